"""The cycle's configuration in the admin: the directions, the self-assessment checklist and
each territory's goals, responsible people and indicators per direction (filtered to the
territories the user manages). Measures, recommendations and decisions are kept on the
cycle's own pages, through ``msoko.cycle.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from msoko.cycle import scope
from msoko.cycle.models import ChecklistItem, Direction, TerritoryDirection


@admin.register(Direction)
class DirectionAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "short_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["order", "text", "direction", "stage", "is_active"]
    list_filter = ["direction", "stage", "is_active"]


@admin.register(TerritoryDirection)
class TerritoryDirectionAdmin(admin.ModelAdmin):
    list_display = ["territory", "direction", "responsible"]
    list_filter = ["direction"]
    filter_horizontal = ["indicators"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(territory_id__in=scope.territory_ids(request.user) if scope.can_manage(request.user) else [])

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "territory" and not request.user.is_superuser:
            kwargs["queryset"] = scope.managed_territories(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
