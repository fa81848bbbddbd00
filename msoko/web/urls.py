from django.contrib.auth import views as auth_views
from django.urls import path

from msoko.access import views as access_views
from msoko.web import api, exports, first_run, views

urlpatterns = [
    path("", views.home, name="home"),
    path("first-run/", first_run.first_run, name="first_run"),
    path("login/", access_views.LoginView.as_view(), name="login"),
    path("login/code/", access_views.login_otp, name="login_otp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path(
        "organisations/export.xlsx",
        exports.organisation_list_xlsx,
        name="organisation_list_export",
    ),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path(
        "organisations/<int:pk>/results.xlsx",
        exports.organisation_results_xlsx,
        name="organisation_results_export",
    ),
    path("api/v1/organisations/", api.organisations, name="api_organisations"),
    path("api/v1/organisations/<int:pk>/", api.organisation, name="api_organisation"),
    path(
        "api/v1/organisations/<int:pk>/results/",
        api.organisation_results,
        name="api_organisation_results",
    ),
]
