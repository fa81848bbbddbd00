from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FactsConfig(AppConfig):
    name = "msoko.facts"
    verbose_name = "Оценочные процедуры и факты"

    def ready(self) -> None:
        from msoko.facts.reference import reference_after_migrate

        # After every ``migrate``: procedures, subjects, years and default scales, added
        # where missing (msoko/facts/reference.py).
        post_migrate.connect(
            reference_after_migrate, sender=self, dispatch_uid="msoko_facts_reference"
        )
