from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "msoko.jobs"
    verbose_name = "Фоновые задания"
