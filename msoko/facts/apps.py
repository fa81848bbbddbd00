from django.apps import AppConfig


class FactsConfig(AppConfig):
    name = "msoko.facts"
    verbose_name = "Оценочные процедуры и факты"
