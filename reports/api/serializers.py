from rest_framework import serializers

from reports.models import GeneratedReport
from reports.selectors import report_edition
from supervision.api.serializers import UserNameField


class GeneratedReportOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    generated_by_name = UserNameField(source="generated_by")
    download_url = serializers.SerializerMethodField()
    # The edition the caller downloads (reports.selectors.report_edition): its size and digest.
    size = serializers.SerializerMethodField(help_text="Bytes of the edition the caller downloads; null: none.")
    sha256 = serializers.SerializerMethodField(help_text="SHA-256 of the edition the caller downloads.")
    without_case_figures = serializers.SerializerMethodField(
        help_text="True: the caller downloads the edition without case figures."
    )

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
            "without_case_figures",
            "generated_at",
            "generated_by",
            "generated_by_name",
            "download_url",
        ]

    def _edition(self, report: GeneratedReport):
        return report_edition(report, self.context["request"].user)

    def get_size(self, report: GeneratedReport) -> int | None:
        return self._edition(report).size

    def get_sha256(self, report: GeneratedReport) -> str:
        return self._edition(report).sha256

    def get_without_case_figures(self, report: GeneratedReport) -> bool:
        return self._edition(report).case_free

    def get_download_url(self, report: GeneratedReport) -> str:
        return f"/api/v1/generated-reports/{report.pk}/download/"


class GeneratedReportCreateInputSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=10, help_text="A half year (2026H1, 2026H2) or a year (2026).")
