from django.urls import URLPattern

app_name = "collect"
urlpatterns: list[URLPattern] = []
