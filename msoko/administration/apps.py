from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "msoko.administration"
    verbose_name = "Администрирование территории"
