from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "msoko.collect"
    verbose_name = "Сбор данных от организаций"
