from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "msoko.cycle"
    verbose_name = "Управленческий цикл"
