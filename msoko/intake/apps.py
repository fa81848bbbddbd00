from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "msoko.intake"
    verbose_name = "Загрузка данных"
