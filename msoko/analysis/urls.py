from django.urls import path

from msoko.analysis import exports, views

app_name = "analysis"
urlpatterns = [
    path("", views.index, name="index"),
    path("school/<int:pk>/", views.school, name="school"),
    path("elements/", views.elements, name="elements"),
    path("clusters/", views.clusters, name="clusters"),
    path("factors/", views.factors, name="factors"),
    path("methodology/", views.method, name="methodology"),
    path("export.xlsx", exports.findings_xlsx, name="export_xlsx"),
    path("export.docx", exports.findings_docx, name="export_docx"),
]
