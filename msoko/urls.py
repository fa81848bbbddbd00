from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from msoko.access import views as access_views

admin.site.site_header = "msoko — техническое администрирование"
admin.site.site_title = "msoko"
admin.site.index_title = "Справочники и данные"

urlpatterns = [
    # The technical administrator's Django admin, at an address of the installation's choice.
    path(settings.MSOKO_ADMIN_PATH, admin.site.urls),
    path("intake/", include("msoko.intake.urls")),
    path("collect/", include("msoko.collect.urls")),
    path("indicators/", include("msoko.indicators.urls")),
    path("analysis/", include("msoko.analysis.urls")),
    path("cycle/", include("msoko.cycle.urls")),
    path("administration/", include("msoko.administration.urls")),
    path("account/password/", access_views.password_change, name="password_change"),
    path("account/security/", access_views.account_security, name="account_security"),
    path("", include("msoko.web.urls")),
]
