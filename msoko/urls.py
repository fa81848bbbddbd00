from django.contrib import admin
from django.urls import include, path

from msoko.access import views as access_views

admin.site.site_header = "msoko — техническое администрирование"
admin.site.site_title = "msoko"
admin.site.index_title = "Справочники и данные"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("intake/", include("msoko.intake.urls")),
    path("collect/", include("msoko.collect.urls")),
    path("indicators/", include("msoko.indicators.urls")),
    path("analysis/", include("msoko.analysis.urls")),
    path("cycle/", include("msoko.cycle.urls")),
    path("administration/", include("msoko.administration.urls")),
    path("account/password/", access_views.password_change, name="password_change"),
    path("", include("msoko.web.urls")),
]
