from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "msoko.registry"
    verbose_name = "Реестр"
