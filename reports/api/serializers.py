from rest_framework import serializers

from reports.models import GeneratedReport
from supervision.api.serializers import UserNameField


class GeneratedReportOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    generated_by_name = UserNameField(source="generated_by")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedReport
        fields = [
            "id",
            "period",
            "kind",
            "kind_display",
            "period_start",
            "period_end",
            "version",
            "size",
            "sha256",
            "generated_at",
            "generated_by",
            "generated_by_name",
            "download_url",
        ]

    def get_download_url(self, report: GeneratedReport) -> str:
        return f"/api/v1/generated-reports/{report.pk}/download/"


class GeneratedReportCreateInputSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=10, help_text="A half year (2026H1, 2026H2) or a year (2026).")
