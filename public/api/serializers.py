"""Serializers of the public-summary and public-feedback API (supervisors and oversight roles).
Input serializers check shape and scope only; the rules live in public.services."""

from rest_framework import serializers

from accounts.models import BusinessArea
from public.models import TEXT_MAX, TITLE_MAX, PublicFeedback, PublicSummary
from rectification.models import RectificationNotice
from rectification.selectors import notice_visible_to
from risk.models import RiskList
from risk.selectors import risk_list_visible_to
from supervision.api.serializers import ScopedPrimaryKeyRelatedField, UserNameField
from supervision.models import FindingCategory, Severity
from supervision.selectors import category_choices


class PublicSummaryOutputSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    notice_document_number = serializers.CharField(source="notice.document_number", read_only=True)
    risk_list_quarter = serializers.CharField(source="risk_list.quarter", read_only=True, default=None, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    progress_display = serializers.CharField(source="get_progress_display", read_only=True)
    published_by_name = UserNameField(source="published_by")
    unpublished_by_name = UserNameField(source="unpublished_by")
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = PublicSummary
        fields = [
            "id",
            "notice",
            "notice_document_number",
            "risk_list",
            "risk_list_quarter",
            "unit",
            "unit_name",
            "title",
            "problems",
            "measures",
            "status",
            "status_display",
            "progress",
            "progress_display",
            "item_count",
            "closed_count",
            "overdue_count",
            "deadline",
            "progress_as_of",
            "published_by",
            "published_by_name",
            "published_at",
            "unpublished_by",
            "unpublished_by_name",
            "unpublished_at",
            "public_url",
        ]

    def get_public_url(self, summary: PublicSummary) -> str | None:
        """The page the public reads, while published."""
        if summary.status != PublicSummary.Status.PUBLISHED:
            return None
        return f"/public/rectification/{summary.pk}/"


class PublicSummaryPublishInputSerializer(serializers.Serializer):
    """Exactly one of `notice` and `risk_list` (a quarterly risk list's notice is the list's)."""

    notice = ScopedPrimaryKeyRelatedField(
        queryset=RectificationNotice.objects.all(),
        scope=notice_visible_to,
        required=False,
        allow_null=True,
        default=None,
    )
    risk_list = ScopedPrimaryKeyRelatedField(
        queryset=RiskList.objects.all(), scope=risk_list_visible_to, required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=TITLE_MAX)
    problems = serializers.CharField(max_length=TEXT_MAX)
    measures = serializers.CharField(max_length=TEXT_MAX)


class PublicSummaryUnpublishInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PublicFeedbackOutputSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    summary_title = serializers.CharField(source="summary.title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    handled_by_name = UserNameField(source="handled_by")

    class Meta:
        model = PublicFeedback
        fields = [
            "id",
            "summary",
            "summary_title",
            "unit",
            "unit_name",
            "name",
            "contact",
            "text",
            "submitted_at",
            "status",
            "status_display",
            "finding",
            "dismissal_reason",
            "handled_by",
            "handled_by_name",
            "handled_at",
        ]


class FeedbackToFindingInputSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=FindingCategory.objects.all())
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    business_area = serializers.PrimaryKeyRelatedField(
        queryset=BusinessArea.objects.all(), required=False, allow_null=True, default=None
    )

    def validate_category(self, category):
        if not category_choices().filter(pk=category.pk).exists():
            raise serializers.ValidationError("This category is no longer in use.")
        return category


class FeedbackDismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
