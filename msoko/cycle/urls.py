from django.urls import path

from msoko.cycle import views

app_name = "cycle"
urlpatterns = [
    path("", views.index, name="index"),
    path("reminders/", views.reminders_fragment, name="reminders"),
    path("roadmaps/new/", views.roadmap_create, name="roadmap_create"),
    path("roadmaps/import/", views.roadmap_import, name="roadmap_import"),
    path("roadmaps/<int:pk>/", views.roadmap_detail, name="roadmap"),
    path("roadmaps/<int:pk>/export.xlsx", views.roadmap_export_xlsx, name="roadmap_xlsx"),
    path("roadmaps/<int:pk>/export.docx", views.roadmap_export_docx, name="roadmap_docx"),
    path("roadmaps/<int:pk>/measures/new/", views.measure_create, name="measure_create"),
    path("measures/<int:pk>/", views.measure_detail, name="measure"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("recommendations/", views.recommendation_list, name="recommendations"),
    path("recommendations/new/", views.recommendation_create, name="recommendation_create"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("directions/<int:number>/", views.direction_detail, name="direction"),
    path("effectiveness/", views.effectiveness, name="effectiveness"),
]
