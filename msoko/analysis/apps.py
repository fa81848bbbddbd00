from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "msoko.analysis"
    verbose_name = "Анализ результатов"
