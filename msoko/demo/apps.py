from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "msoko.demo"
    verbose_name = "Демонстрационный муниципалитет"
