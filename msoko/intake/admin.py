from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from msoko.intake.models import ColumnMapping, RegistryChange


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_preset", "created_at"]
    list_filter = ["kind", "is_preset"]
    search_fields = ["name", "note"]


@admin.register(RegistryChange)
class RegistryChangeAdmin(admin.ModelAdmin):
    """Read-only: the registry changes each import made (undone by rolling the batch back)."""

    list_display = ["batch", "__str__"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
