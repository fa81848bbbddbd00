"""Form definitions are edited in the admin; submissions are read-only there (changes go
through ``msoko.collect.actions``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from msoko.access.admin import ReadOnlyAdminMixin
from msoko.collect.models import DataForm, FormField, Submission, SubmissionEvent


class FormFieldInline(admin.TabularInline):
    model = FormField
    extra = 0
    fields = [
        "order",
        "code",
        "section",
        "label",
        "kind",
        "required",
        "not_more_than",
        "indicator_code",
    ]


@admin.register(DataForm)
class DataFormAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "period_type", "is_active"]
    inlines = [FormFieldInline]


class SubmissionEventInline(admin.TabularInline):
    model = SubmissionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor_label", "action", "from_status", "to_status", "comment")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["form", "organisation", "year", "status", "updated_at"]
    list_filter = ["status", "form", "year"]
    inlines = [SubmissionEventInline]



