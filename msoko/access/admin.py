from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from msoko.access.models import AuditLog, User

# The whole site admits superusers only: msoko.access.admin_site.SuperuserAdminSite.


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "territory", "organisation"]
    list_filter = ["role", "is_active", "territory"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "Роль и область доступа",
            {"fields": ("role", "territory", "organisation", "position", "must_change_password")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Роль и область доступа", {"fields": ("role", "territory", "organisation")}),
    )


class ReadOnlyAdminMixin:
    """Rows that are records, not data: shown in the admin, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit log is never edited."""

    list_display = ["at", "actor_label", "action", "model", "object_id", "object_repr", "ip_address"]
    list_filter = ["action", "model"]
    search_fields = ["actor_label", "object_repr", "object_id", "ip_address"]
    date_hierarchy = "at"
