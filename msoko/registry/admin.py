"""Admin screens of the registry. Querysets are limited by the permission policy, so a
municipal specialist with admin access sees only their territory's organisations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from msoko.access import policy
from msoko.registry import models as m


class ScopedAdmin(admin.ModelAdmin):
    """Rows whose organisation the user may not see do not exist for them."""

    org_path = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_path}__in": policy.visible_organisations(request.user)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is m.Organisation and not request.user.is_superuser:
            kwargs["queryset"] = policy.editable_organisations(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(m.Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(m.AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["label", "starts_on", "ends_on", "is_current"]


class NameVariantInline(admin.TabularInline):
    model = m.OrganisationNameVariant
    extra = 1


@admin.register(m.Organisation)
class OrganisationAdmin(ScopedAdmin):
    org_path = "pk"
    list_display = ["short_name", "kind", "territory", "locality", "is_small", "ogrn", "inn", "code"]
    list_filter = ["kind", "locality", "is_small", "territory"]
    search_fields = ["short_name", "full_name", "ogrn", "inn", "code", "name_variants__name"]
    inlines = [NameVariantInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return policy.visible_organisations(request.user)


@admin.register(m.SocialPassport)
class SocialPassportAdmin(ScopedAdmin):
    list_display = [
        "organisation",
        "year",
        "students_total",
        "low_income_share",
        "single_parent_share",
        "disability_share",
        "non_native_share",
        "preventive_registration_share",
        "distance_to_centre_km",
    ]
    list_filter = ["year", "organisation__territory"]
    search_fields = ["organisation__short_name"]


@admin.register(m.Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class CourseInline(admin.TabularInline):
    model = m.Course
    extra = 0


class DiagnosticInline(admin.TabularInline):
    model = m.DeficitDiagnostic
    extra = 0


class RouteInline(admin.TabularInline):
    model = m.IndividualRoute
    extra = 0


class CompetitionInline(admin.TabularInline):
    model = m.CompetitionEntry
    extra = 0


@admin.register(m.StaffMember)
class StaffMemberAdmin(ScopedAdmin):
    list_display = ["full_name", "organisation", "position", "category", "experience_years"]
    list_filter = ["position", "category", "organisation__territory"]
    search_fields = ["full_name", "organisation__short_name"]
    filter_horizontal = ["subjects"]
    inlines = [CourseInline, DiagnosticInline, RouteInline, CompetitionInline]


@admin.register(m.Mentoring)
class MentoringAdmin(ScopedAdmin):
    org_path = "mentor__organisation"
    list_display = ["mentor", "mentee", "year", "form"]


@admin.register(m.MethodAssociation)
class MethodAssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "territory", "organisation", "leader"]
    list_filter = ["level"]
    filter_horizontal = ["subjects", "members"]


@admin.register(m.SchoolClass)
class SchoolClassAdmin(ScopedAdmin):
    list_display = ["__str__", "organisation", "year", "grade", "profile"]
    list_filter = ["year", "grade"]


@admin.register(m.Student)
class StudentAdmin(ScopedAdmin):
    list_display = ["__str__", "organisation", "school_class", "has_disability"]
    list_filter = ["has_disability"]
    readonly_fields = ["pseudonym"]
