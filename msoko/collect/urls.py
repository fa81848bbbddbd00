from django.urls import path

from msoko.collect import views

app_name = "collect"
urlpatterns = [
    path("", views.form_list, name="forms"),
    path("queue/", views.queue, name="queue"),
    path("<int:org_pk>/<slug:form_code>/<int:year>/", views.submission_page, name="submission"),
    path("<int:org_pk>/<slug:form_code>/<int:year>/review/", views.review, name="review"),
]
