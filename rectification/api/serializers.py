"""Input and output serializers of the rectification API (notices, handovers, items, requests,
look-backs). Input serializers check shape and scope only; the rules live in rectification.services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import BusinessArea, Person, Unit
from accounts.selectors import person_visible_to, visible_units
from rectification.models import (
    Handover,
    ItemRequest,
    ItemReview,
    LookBack,
    ProgressUpdate,
    RectificationItem,
    RectificationNotice,
)
from rectification.selectors import notice_visible_to
from supervision.api.serializers import (
    LONG_TEXT,
    MEDIUM_TEXT,
    EvidenceOutputSerializer,
    ScopedPrimaryKeyRelatedField,
    UserNameField,
)
from supervision.models import Finding
from supervision.selectors import finding_visible_to

# --- handovers ----------------------------------------------------------------------------------------


class HandoverOutputSerializer(serializers.ModelSerializer):
    """One side of a notice's handover: who receives it and whether, when and by whom it was acknowledged."""

    notice_document_number = serializers.CharField(source="notice.document_number", read_only=True)
    notice_title = serializers.CharField(source="notice.title", read_only=True)
    notice_status = serializers.CharField(source="notice.status", read_only=True)
    unit = serializers.IntegerField(source="notice.unit_id", read_only=True)
    unit_name = serializers.CharField(source="notice.unit.name", read_only=True)
    side_display = serializers.CharField(source="get_side_display", read_only=True)
    recipient_unit_name = serializers.CharField(source="recipient_unit.name", read_only=True)
    party_organization_name = serializers.CharField(
        source="party_organization.name", read_only=True, default=None, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    acknowledged_by_name = UserNameField(source="acknowledged_by")

    class Meta:
        model = Handover
        fields = [
            "id",
            "notice",
            "notice_document_number",
            "notice_title",
            "notice_status",
            "unit",
            "unit_name",
            "side",
            "side_display",
            "recipient_unit",
            "recipient_unit_name",
            "party_organization",
            "party_organization_name",
            "status",
            "status_display",
            "acknowledged_by",
            "acknowledged_by_name",
            "acknowledged_at",
            "opinion",
        ]


class NoticeHandoversOutputSerializer(serializers.Serializer):
    """The two recipients side by side; both are null until the notice is issued."""

    party = HandoverOutputSerializer(allow_null=True)
    business = HandoverOutputSerializer(allow_null=True)


# --- notices ------------------------------------------------------------------------------------------


class NoticeOutputSerializer(serializers.ModelSerializer):
    """Needs the queryset of `rectification.selectors.notice_item_counts` and prefetched handovers."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    business_area_name = serializers.StringRelatedField(source="business_area")
    findings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    handovers = serializers.SerializerMethodField()
    item_count = serializers.IntegerField(read_only=True)
    closed_count = serializers.IntegerField(read_only=True)
    overdue_count = serializers.IntegerField(read_only=True)
    created_by_name = UserNameField(source="created_by")
    issued_by_name = UserNameField(source="issued_by")

    class Meta:
        model = RectificationNotice
        fields = [
            "id",
            "document_number",
            "title",
            "requirements",
            "deadline",
            "status",
            "status_display",
            "unit",
            "unit_name",
            "business_area",
            "business_area_name",
            "findings",
            "handovers",
            "item_count",
            "closed_count",
            "overdue_count",
            "created_by",
            "created_by_name",
            "created_at",
            "issued_by",
            "issued_by_name",
            "issued_at",
            "closed_at",
        ]

    @extend_schema_field(NoticeHandoversOutputSerializer)
    def get_handovers(self, notice: RectificationNotice) -> dict:
        by_side = {handover.side: handover for handover in notice.handovers.all()}
        sides = {"party": by_side.get(Handover.Side.PARTY), "business": by_side.get(Handover.Side.BUSINESS)}
        return NoticeHandoversOutputSerializer(sides, context=self.context).data


class NoticeCreateInputSerializer(serializers.Serializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all(), scope=visible_units)
    findings = ScopedPrimaryKeyRelatedField(
        queryset=Finding.objects.all(), scope=finding_visible_to, many=True, allow_empty=False
    )
    title = serializers.CharField(max_length=200)
    requirements = serializers.CharField(max_length=LONG_TEXT)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    business_area = serializers.PrimaryKeyRelatedField(
        queryset=BusinessArea.objects.all(), required=False, allow_null=True, default=None
    )


class HandoverAcknowledgeInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Handover.Side.choices)
    opinion = serializers.CharField(max_length=MEDIUM_TEXT, required=False, allow_blank=True, default="")


# --- items --------------------------------------------------------------------------------------------


class ProgressUpdateOutputSerializer(serializers.ModelSerializer):
    author_name = UserNameField(source="author")
    evidence = EvidenceOutputSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "item", "text", "author", "author_name", "created_at", "evidence"]


class ItemReviewOutputSerializer(serializers.ModelSerializer):
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    reviewer_name = UserNameField(source="reviewer")

    class Meta:
        model = ItemReview
        fields = ["id", "decision", "decision_display", "comment", "reviewer", "reviewer_name", "reviewed_at"]


class ItemOutputSerializer(serializers.ModelSerializer):
    notice_document_number = serializers.CharField(source="notice.document_number", read_only=True)
    notice_title = serializers.CharField(source="notice.title", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    responsible_department_name = serializers.CharField(source="responsible_department.name", read_only=True)
    responsible_person_name = serializers.CharField(source="responsible_person.name", read_only=True)
    responsible_leader_name = serializers.CharField(source="responsible_leader.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    due_state_display = serializers.CharField(source="get_due_state_display", read_only=True)
    days_overdue = serializers.SerializerMethodField()
    closure_display = serializers.CharField(source="get_closure_display", read_only=True)
    created_by_name = UserNameField(source="created_by")
    submitted_by_name = UserNameField(source="submitted_by")
    closed_by_name = UserNameField(source="closed_by")
    evidence = serializers.SerializerMethodField()
    progress_updates = ProgressUpdateOutputSerializer(many=True, read_only=True)
    reviews = ItemReviewOutputSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationItem
        fields = [
            "id",
            "notice",
            "notice_document_number",
            "notice_title",
            "finding",
            "unit",
            "unit_name",
            "problem",
            "measures",
            "responsible_department",
            "responsible_department_name",
            "responsible_person",
            "responsible_person_name",
            "responsible_leader",
            "responsible_leader_name",
            "deadline",
            "status",
            "status_display",
            "due_state",
            "due_state_display",
            "days_overdue",
            "escalation_level",
            "closure",
            "closure_display",
            "created_by",
            "created_by_name",
            "created_at",
            "submitted_by",
            "submitted_by_name",
            "submitted_at",
            "closed_by",
            "closed_by_name",
            "closed_at",
            "evidence",
            "progress_updates",
            "reviews",
        ]

    def get_days_overdue(self, item: RectificationItem) -> int:
        return item.days_overdue()

    @extend_schema_field(EvidenceOutputSerializer(many=True))
    def get_evidence(self, item: RectificationItem) -> list:
        """Every evidence file of the item, from its (prefetched) progress updates."""
        files = [evidence for update in item.progress_updates.all() for evidence in update.evidence.all()]
        return EvidenceOutputSerializer(files, many=True, context=self.context).data


class ItemCreateInputSerializer(serializers.Serializer):
    notice = ScopedPrimaryKeyRelatedField(queryset=RectificationNotice.objects.all(), scope=notice_visible_to)
    finding = ScopedPrimaryKeyRelatedField(
        queryset=Finding.objects.all(), scope=finding_visible_to, required=False, allow_null=True, default=None
    )
    problem = serializers.CharField(max_length=MEDIUM_TEXT)
    measures = serializers.CharField(max_length=LONG_TEXT)
    responsible_department = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all(), scope=visible_units)
    responsible_person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all(), scope=person_visible_to)
    responsible_leader = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all(), scope=person_visible_to)
    deadline = serializers.DateField()


class ProgressInputSerializer(serializers.Serializer):
    """Multipart: `text` and optional evidence `files` (repeated)."""

    text = serializers.CharField(max_length=LONG_TEXT)
    files = serializers.ListField(child=serializers.FileField(max_length=255), required=False, default=list)


class ItemSubmitInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=MEDIUM_TEXT, required=False, allow_blank=True, default="")


class ItemVerifyInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ItemReview.Decision.choices)
    comment = serializers.CharField(max_length=MEDIUM_TEXT)


class ExtensionRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MEDIUM_TEXT)
    new_deadline = serializers.DateField()


class UnrectifiableRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MEDIUM_TEXT)


# --- item requests ----------------------------------------------------------------------------------------


class ItemRequestOutputSerializer(serializers.ModelSerializer):
    item_problem = serializers.CharField(source="item.problem", read_only=True)
    notice = serializers.IntegerField(source="item.notice_id", read_only=True)
    unit = serializers.IntegerField(source="item.unit_id", read_only=True)
    unit_name = serializers.CharField(source="item.unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = UserNameField(source="requested_by")
    decided_by_name = UserNameField(source="decided_by")

    class Meta:
        model = ItemRequest
        fields = [
            "id",
            "item",
            "item_problem",
            "notice",
            "unit",
            "unit_name",
            "kind",
            "kind_display",
            "reason",
            "new_deadline",
            "status",
            "status_display",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_comment",
        ]


class ItemRequestDecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=MEDIUM_TEXT, required=False, allow_blank=True, default="")


# --- look-backs ----------------------------------------------------------------------------------------


class LookBackOutputSerializer(serializers.ModelSerializer):
    notice_document_number = serializers.CharField(source="notice.document_number", read_only=True)
    notice_title = serializers.CharField(source="notice.title", read_only=True)
    unit = serializers.IntegerField(source="notice.unit_id", read_only=True)
    unit_name = serializers.CharField(source="notice.unit.name", read_only=True)
    assigned_to_name = UserNameField(source="assigned_to")
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = LookBack
        fields = [
            "id",
            "notice",
            "notice_document_number",
            "notice_title",
            "unit",
            "unit_name",
            "scheduled_for",
            "assigned_to",
            "assigned_to_name",
            "status",
            "status_display",
            "result",
            "new_deadline",
            "performed_at",
        ]


class LookBackRecordInputSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    result = serializers.CharField(max_length=LONG_TEXT)
    new_deadline = serializers.DateField(required=False, allow_null=True, default=None)
