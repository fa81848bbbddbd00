from django.urls import path

from msoko.analysis import views

app_name = "analysis"
urlpatterns = [
    path("", views.index, name="index"),
]
