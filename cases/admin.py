"""Admin of the cases app: the joint-liability rules are edited here (every change of a rule or of one
of its levels is recorded in the operation log); cases, persons concerned, liability records and
objections change only through cases.services, so the admin shows them read-only."""

from django.contrib import admin
from django.db import transaction

from cases.models import Case, CasePerson, CaseSequence, Liability, LiabilityRule, LiabilityRuleLevel, Objection
from core.admin import AuditedAdmin, ReadOnlyAdmin, WorkflowReadOnlyAdmin, audited_admin_delete, audited_admin_save


class LiabilityRuleLevelInline(admin.TabularInline):
    model = LiabilityRuleLevel
    extra = 0
    fields = ["level", "consequence", "action", "disqualification_months"]


@admin.register(LiabilityRule)
class LiabilityRuleAdmin(AuditedAdmin):
    """One rule per case severity; a level without a row is not implicated."""

    list_display = ["severity", "direct_consequence", "direct_disqualification_months", "is_active", "updated_at"]
    list_filter = ["is_active"]
    inlines = [LiabilityRuleLevelInline]

    def save_formset(self, request, form, formset, change):
        """The implicated levels go through the operation log too, one event per added, changed or
        deleted level (the admin view already runs in one transaction)."""
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                audited_admin_delete(request, obj)
            for obj in instances:
                audited_admin_save(request, obj)
            formset.save_m2m()


class CasePersonInline(admin.TabularInline):
    model = CasePerson
    extra = 0
    can_delete = False
    fields = ["person", "responsibility", "action", "action_note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(WorkflowReadOnlyAdmin):
    list_display = ["number", "title", "unit", "severity", "category", "status", "misconduct_date", "opened_at"]
    list_filter = ["status", "severity", "category", "integrity_problem_confirmed"]
    search_fields = ["number", "title", "unit__name"]
    list_select_related = ["unit"]
    inlines = [CasePersonInline]


@admin.register(Liability)
class LiabilityAdmin(WorkflowReadOnlyAdmin):
    list_display = ["case", "person", "level", "unit", "start_date", "end_date", "status", "ended_on"]
    list_filter = ["level", "status"]
    search_fields = ["person__name", "person__badge_number", "case__number"]
    list_select_related = ["case", "person", "unit"]


@admin.register(Objection)
class ObjectionAdmin(WorkflowReadOnlyAdmin):
    list_display = ["liability", "submitted_by", "submitted_at", "decision", "decided_by", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["liability__case", "liability__person", "submitted_by", "decided_by"]


@admin.register(CaseSequence)
class CaseSequenceAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]
