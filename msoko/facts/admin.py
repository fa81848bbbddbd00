from django.contrib import admin
from django.http import HttpRequest

from msoko.facts import models as m


@admin.register(m.Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "family", "result_kind", "grades"]
    list_filter = ["family"]


class TaskSpecInline(admin.TabularInline):
    model = m.TaskSpec
    extra = 0


@admin.register(m.Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "procedure", "subject", "grade", "year"]
    list_filter = ["procedure", "year", "grade"]
    inlines = [TaskSpecInline]


@admin.register(m.MarkScale)
class MarkScaleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "max_primary", "mark_cuts", "min_threshold", "score_bands"]
    list_filter = ["procedure", "year"]


class FactFileInline(admin.TabularInline):
    model = m.FactFile
    extra = 0
    readonly_fields = ["table", "procedure_code", "year", "path", "rows", "sha256"]
    can_delete = False


@admin.register(m.ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "procedure", "year", "file_name", "rows", "status", "created_by", "created_at"]
    list_filter = ["status", "kind", "procedure", "year"]
    readonly_fields = [f.name for f in m.ImportBatch._meta.fields]
    inlines = [FactFileInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
