from django.urls import path

from msoko.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_edit, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_edit, name="organisation_edit"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/active/", views.user_active, name="user_active"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("school-accounts/", views.school_accounts, name="school_accounts"),
    path("mark-scales/", views.mark_scales, name="mark_scales"),
    path("mark-scales/new/", views.mark_scale_edit, name="mark_scale_create"),
    path("mark-scales/<int:pk>/", views.mark_scale_edit, name="mark_scale_edit"),
    path("mark-scales/<int:pk>/delete/", views.mark_scale_delete, name="mark_scale_delete"),
]
