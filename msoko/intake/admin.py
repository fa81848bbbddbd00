
from django.contrib import admin

from msoko.access.admin import ReadOnlyAdminMixin
from msoko.intake.models import ColumnMapping, RegistryChange


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_preset", "created_at"]
    list_filter = ["kind", "is_preset"]
    search_fields = ["name", "note"]


@admin.register(RegistryChange)
class RegistryChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the registry changes each import made (undone by rolling the batch back)."""

    list_display = ["batch", "__str__"]


