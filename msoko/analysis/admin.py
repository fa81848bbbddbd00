from django.contrib import admin

from msoko.analysis.models import MethodologySetting


@admin.register(MethodologySetting)
class MethodologySettingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "reason", "updated_at")
    fields = ("territory", "overrides", "reason")
