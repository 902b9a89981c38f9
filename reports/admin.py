from django.contrib import admin

from core.admin import WorkflowReadOnlyAdmin
from reports.models import GeneratedReport


@admin.register(GeneratedReport)
class GeneratedReportAdmin(WorkflowReadOnlyAdmin):
    list_display = ["period", "version", "kind", "generated_at", "generated_by", "size", "sha256"]
    list_filter = ["kind"]
    search_fields = ["period"]
