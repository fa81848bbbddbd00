from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "msoko.access"
    verbose_name = "Доступ и аудит"

    def ready(self) -> None:
        from msoko.access import audit, views

        audit.connect_signals()
        views.connect_signals()
