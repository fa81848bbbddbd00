from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "msoko.web"
    verbose_name = "Веб-интерфейс"
