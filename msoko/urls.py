from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "msoko — администрирование"
admin.site.site_title = "msoko"
admin.site.index_title = "Справочники и данные"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("intake/", include("msoko.intake.urls")),
    path("collect/", include("msoko.collect.urls")),
    path("indicators/", include("msoko.indicators.urls")),
    path("analysis/", include("msoko.analysis.urls")),
    path("cycle/", include("msoko.cycle.urls")),
    path("", include("msoko.web.urls")),
]
