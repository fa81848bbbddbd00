import logging
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_catalogs(sender: Any, **kwargs: Any) -> None:
    """Load the built-in catalogs after every migrate (their files may have changed).

    A broken built-in file is logged, not raised, so that migrate still completes;
    ``msoko compute`` and the tests report it as an error."""
    from msoko.indicators.catalog import sync_builtin
    from msoko.indicators.spec import SpecError

    try:
        sync_builtin()
    except SpecError as exc:
        logging.getLogger("msoko.indicators").error("Ошибки во встроенных каталогах:\n%s", exc)


class IndicatorsConfig(AppConfig):
    name = "msoko.indicators"
    verbose_name = "Показатели"

    def ready(self) -> None:
        post_migrate.connect(_sync_catalogs, sender=self)
        from msoko.indicators import registry_watch

        registry_watch.connect()
