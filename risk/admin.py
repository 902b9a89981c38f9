from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from core.admin import AuditedAdmin, ReadOnlyAdmin
from risk.models import AllowlistEntry, Assessment, BusinessRecord, RiskModel
from risk.rules import REGISTRY


class RiskModelForm(ModelForm):
    class Meta:
        model = RiskModel
        fields = ["name_zh", "name_en", "description", "parameters", "weight", "is_active"]

    def clean_parameters(self):
        rule = REGISTRY.get(self.instance.code)
        if rule is None:
            return self.cleaned_data["parameters"]
        try:
            return rule.validated_parameters(self.cleaned_data["parameters"])
        except ValueError as error:
            raise ValidationError(str(error)) from None


@admin.register(RiskModel)
class RiskModelAdmin(AuditedAdmin):
    """Parameters are validated against the rule's schema; code, area and subject are the rule's."""

    form = RiskModelForm
    list_display = ["code", "name_zh", "area", "subject_kind", "kind", "weight", "is_active"]
    list_filter = ["area", "kind", "subject_kind", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["code", "area", "subject_kind", "kind"]

    def has_add_permission(self, request):
        return False  # models come from the code registry (risk/rules.py)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["month", "runs", "hit_count", "alert_count", "started_at", "finished_at"]


@admin.register(BusinessRecord)
class BusinessRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "source_system",
        "external_id",
        "area",
        "business_type",
        "unit_code",
        "operator_badge",
        "accepted_at",
        "status",
    ]
    list_filter = ["area", "status"]
    search_fields = ["external_id", "operator_badge", "operator_account", "device_id", "agent_id"]
    show_full_result_count = False


@admin.register(AllowlistEntry)
class AllowlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["scope_kind", "scope_key", "until", "reason", "created_by", "created_at"]
