"""Input and output serializers of the cases API.

Input serializers check shape and scope only (a primary key outside the caller's data scope is as
unknown as a missing one); the rules live in cases.services. The case output hides everything but
the number, unit, status, severity and dates from callers who may only know that a case exists
(`cases.selectors.can_read_facts`): those fields are null for them and `facts_visible` is false.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Person, Unit
from accounts.selectors import person_visible_to, visible_units
from cases.models import (
    AccountabilityAction,
    Case,
    CaseCategory,
    CasePerson,
    CaseSeverity,
    Liability,
    LiabilityRule,
    LiabilityRuleLevel,
    Objection,
)
from cases.selectors import can_read_facts
from cases.services import CONCLUDED_RESPONSIBILITIES
from supervision.api.serializers import (
    LONG_TEXT,
    MEDIUM_TEXT,
    ScopedPrimaryKeyRelatedField,
    UserNameField,
)
from supervision.models import ClueTransfer
from supervision.selectors import clue_visible_to

# --- choice fields documented as plain strings -----------------------------------------------------------
# The schema's enum names "severity", "category" and "source" belong to the findings' and persons' choice
# sets; drf-spectacular would rename every set with a hash and warn. These fields still validate their
# choices; the schema shows a string listing them (as the risk API's restore decisions do).


def _values(choices) -> str:
    return ", ".join(value for value, _label in choices)


@extend_schema_field({"type": "string", "description": f"One of: {_values(CaseSeverity.choices)}."})
class CaseSeverityField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CaseSeverity.choices, **kwargs)


@extend_schema_field({"type": "string", "description": f"One of: {_values(CaseCategory.choices)}."})
class CaseCategoryField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CaseCategory.choices, **kwargs)


@extend_schema_field({"type": "string", "description": f"One of: {_values(Case.Source.choices)}."})
class CaseSourceField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Case.Source.choices, **kwargs)


# --- cases ---------------------------------------------------------------------------------------------


class CasePersonOutputSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    badge_number = serializers.CharField(source="person.badge_number", read_only=True)
    person_unit_name = serializers.CharField(source="person.unit.name", read_only=True)
    responsibility_display = serializers.CharField(source="get_responsibility_display", read_only=True)
    action_display = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = CasePerson
        fields = [
            "id",
            "person",
            "person_name",
            "badge_number",
            "person_unit_name",
            "responsibility",
            "responsibility_display",
            "action",
            "action_display",
            "action_note",
        ]


# Shown to everyone who may know of the case; every other field is null unless facts_visible.
CASE_PUBLIC_FIELDS = {
    "id",
    "number",
    "unit",
    "unit_name",
    "status",
    "status_display",
    "severity",
    "severity_display",
    "misconduct_date",
    "opened_at",
    "investigation_started_at",
    "concluded_at",
    "closed_at",
    "facts_visible",
}


class CaseOutputSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    severity = CaseSeverityField(read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    facts_visible = serializers.SerializerMethodField(
        help_text="Whether the caller may read the facts, persons and conclusion; when false those fields are null."
    )
    title = serializers.CharField(read_only=True, allow_null=True)
    category = CaseCategoryField(read_only=True, allow_null=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True, allow_null=True)
    source = CaseSourceField(read_only=True, allow_null=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True, allow_null=True)
    clue = serializers.IntegerField(source="clue_id", read_only=True, allow_null=True)
    facts = serializers.CharField(read_only=True, allow_null=True)
    conclusion = serializers.CharField(read_only=True, allow_null=True)
    integrity_problem_confirmed = serializers.BooleanField(read_only=True, allow_null=True)
    persons = CasePersonOutputSerializer(many=True, read_only=True, allow_null=True)
    opened_by_name = UserNameField(source="opened_by")
    investigation_started_by_name = UserNameField(source="investigation_started_by")
    concluded_by_name = UserNameField(source="concluded_by")
    closed_by_name = UserNameField(source="closed_by")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "unit",
            "unit_name",
            "status",
            "status_display",
            "severity",
            "severity_display",
            "misconduct_date",
            "opened_at",
            "investigation_started_at",
            "concluded_at",
            "closed_at",
            "facts_visible",
            "title",
            "category",
            "category_display",
            "source",
            "source_display",
            "clue",
            "facts",
            "conclusion",
            "integrity_problem_confirmed",
            "persons",
            "opened_by_name",
            "investigation_started_by_name",
            "concluded_by_name",
            "closed_by_name",
        ]

    def _readable(self, case) -> bool:
        request = self.context.get("request")
        return request is not None and can_read_facts(request.user, case)

    def get_facts_visible(self, case) -> bool:
        return self._readable(case)

    def to_representation(self, case):
        if self._readable(case):
            return super().to_representation(case)
        data = {}
        for field in self._readable_fields:
            if field.field_name not in CASE_PUBLIC_FIELDS:
                data[field.field_name] = None
                continue
            attribute = field.get_attribute(case)
            data[field.field_name] = None if attribute is None else field.to_representation(attribute)
        return data


class CaseOpenInputSerializer(serializers.Serializer):
    """From a clue (`clue`): unit, persons, date of the misconduct, severity, title and facts default
    from its finding. Directly: `unit`, `severity`, `misconduct_date`, `title` and `facts` are needed."""

    clue = ScopedPrimaryKeyRelatedField(
        queryset=ClueTransfer.objects.all(), scope=clue_visible_to, required=False, allow_null=True, default=None
    )
    unit = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), scope=visible_units, required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    category = CaseCategoryField()
    severity = CaseSeverityField(required=False, allow_null=True, default=None)
    misconduct_date = serializers.DateField(required=False, allow_null=True, default=None)
    facts = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    persons = ScopedPrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        scope=person_visible_to,
        many=True,
        required=False,
        default=None,
        help_text="The persons concerned; from a clue, left out: the finding's persons.",
    )


class CaseUpdateInputSerializer(serializers.Serializer):
    """Only the fields sent are changed (while the case is open or investigating)."""

    title = serializers.CharField(max_length=200, required=False)
    category = CaseCategoryField(required=False)
    severity = CaseSeverityField(required=False)
    misconduct_date = serializers.DateField(required=False)
    facts = serializers.CharField(max_length=LONG_TEXT, required=False)
    persons = ScopedPrimaryKeyRelatedField(
        queryset=Person.objects.all(), scope=person_visible_to, many=True, required=False, allow_empty=True
    )


class PersonConclusionInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="A person concerned by the case (the person's id).")
    responsibility = serializers.ChoiceField(
        choices=[
            (value, label) for value, label in CasePerson.Responsibility.choices if value in CONCLUDED_RESPONSIBILITIES
        ]
    )
    action = serializers.ChoiceField(choices=AccountabilityAction.choices)
    action_note = serializers.CharField(max_length=MEDIUM_TEXT, required=False, allow_blank=True, default="")


class CaseConcludeInputSerializer(serializers.Serializer):
    integrity_problem_confirmed = serializers.BooleanField()
    conclusion = serializers.CharField(max_length=LONG_TEXT)
    persons = PersonConclusionInputSerializer(
        many=True, help_text="One row for EACH person concerned: responsibility found and accountability action."
    )


# --- liability records and objections ------------------------------------------------------------------


class ObjectionOutputSerializer(serializers.ModelSerializer):
    # A plain string, not an enum: pending / granted / refused.
    decision = serializers.CharField(read_only=True, help_text="pending, granted or refused.")
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    submitted_by_name = UserNameField(source="submitted_by")
    decided_by_name = UserNameField(source="decided_by")

    class Meta:
        model = Objection
        fields = [
            "id",
            "reason",
            "submitted_by",
            "submitted_by_name",
            "submitted_at",
            "decision",
            "decision_display",
            "decision_comment",
            "decided_by",
            "decided_by_name",
            "decided_at",
        ]


class LiabilityOutputSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    badge_number = serializers.CharField(source="person.badge_number", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    position_title = serializers.SerializerMethodField()
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    last_covered_day = serializers.DateField(
        read_only=True, help_text="The last day it disqualifies: end_date, or the day before a granted objection."
    )
    objections = ObjectionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Liability
        fields = [
            "id",
            "case",
            "case_number",
            "person",
            "person_name",
            "badge_number",
            "level",
            "level_display",
            "unit",
            "unit_name",
            "position",
            "position_title",
            "reason",
            "consequence",
            "action",
            "action_display",
            "start_date",
            "end_date",
            "last_covered_day",
            "status",
            "status_display",
            "ended_on",
            "objections",
            "created_at",
        ]

    def get_position_title(self, liability) -> str:
        position = liability.position
        if position is None:
            return ""
        return f"{position.unit.name}{position.title or position.get_level_display()}"


class ObjectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=LONG_TEXT, help_text="The grounds of the objection.")


class ObjectionDecisionInputSerializer(serializers.Serializer):
    grant = serializers.BooleanField(help_text="true: the record is revoked from today; false: it stays in force.")
    comment = serializers.CharField(
        max_length=LONG_TEXT, required=False, allow_blank=True, default="", help_text="Required when refusing."
    )


# --- rules and eligibility -------------------------------------------------------------------------------


class LiabilityRuleLevelOutputSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    action_display = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = LiabilityRuleLevel
        fields = ["level", "level_display", "consequence", "action", "action_display", "disqualification_months"]


class LiabilityRuleOutputSerializer(serializers.ModelSerializer):
    severity = CaseSeverityField(read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    levels = LiabilityRuleLevelOutputSerializer(many=True, read_only=True)

    class Meta:
        model = LiabilityRule
        fields = [
            "id",
            "severity",
            "severity_display",
            "direct_consequence",
            "direct_disqualification_months",
            "is_active",
            "levels",
            "updated_at",
        ]


class EligibilityReasonSerializer(serializers.Serializer):
    liability = serializers.IntegerField(help_text="The liability record's id.")
    case_number = serializers.CharField()
    level = serializers.CharField()
    level_display = serializers.CharField()
    status = serializers.CharField(help_text="active, objected or revoked (revoked later than the date).")
    status_display = serializers.CharField()
    reason = serializers.CharField()
    consequence = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="The last day the record disqualifies.")


class EligibilityOutputSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    date = serializers.DateField(source="on_date")
    eligible = serializers.BooleanField(help_text="Eligible for promotion and awards on the date.")
    reasons = EligibilityReasonSerializer(many=True)
