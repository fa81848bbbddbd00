from django.urls import path

from msoko.cycle import views

app_name = "cycle"
urlpatterns = [
    path("", views.index, name="index"),
]
