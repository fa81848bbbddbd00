from django.urls import path

from msoko.indicators import exports, views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:code>/", views.catalog_page, name="catalog"),
    path("c/<slug:code>/export.xlsx", exports.catalog_xlsx, name="export_xlsx"),
    path("c/<slug:code>/export.docx", exports.catalog_docx, name="export_docx"),
    path("c/<slug:code>/norms/", views.norms, name="norms"),
    path("c/<slug:code>/values/", views.entered_values, name="values"),
    path("i/<str:code>/", views.indicator_page, name="indicator"),
    path("school/<int:pk>/", views.school_profile, name="school"),
    path("upload/", views.catalog_upload, name="upload"),
    path("recompute/", views.recompute, name="recompute"),
    path("jobs/<int:pk>/", views.job, name="job"),
]
