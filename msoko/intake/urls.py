from django.urls import path

from msoko.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/commit/", views.commit, name="commit"),
    path("jobs/<int:pk>/discard/", views.discard, name="discard"),
    path("jobs/<int:pk>/retry/", views.retry, name="retry"),
    path("mappings/", views.mappings, name="mappings"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/rollback/", views.rollback, name="rollback"),
    path("templates/<str:kind>.xlsx", views.template, name="template"),
]
