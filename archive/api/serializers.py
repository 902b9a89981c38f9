"""Output serializers of the archive API. The row serializers document (in the OpenAPI schema) and
fix the shape of an archive's data; codes are plain strings (their labels are the models' choices)."""

from collections.abc import Mapping

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive.models import ArchiveSnapshot
from archive.selectors import ArchiveReader, archive_data_for_reader
from archive.services import archive_digest

DAY = "YYYY-MM-DD"
MINUTE = "YYYY-MM-DD HH:MM, local time (Asia/Shanghai)"


def _day(**kwargs):
    return serializers.DateField(allow_null=True, **kwargs)


class ArchiveFindingRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.CharField(help_text="The finding's unit.")
    category = serializers.CharField(help_text="Finding category code.")
    category_name = serializers.CharField()
    severity = serializers.CharField(help_text="general, serious or grave.")
    source = serializers.CharField(help_text="inspection, risk_alert, petition, complaint, audit, public_feedback.")
    found_on = _day()
    description = serializers.CharField()
    persons = serializers.ListField(child=serializers.CharField(), help_text="Names of the persons involved.")
    status = serializers.CharField(
        help_text="not_handed_over (no issued notice carries it), else the status of its latest notice."
    )
    notices = serializers.ListField(child=serializers.CharField(), help_text="Document numbers of its notices.")


class ArchiveNoticeRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="Document number (文号).")
    title = serializers.CharField()
    status = serializers.CharField(help_text="issued, acknowledged, rectifying, closed or reopened.")
    deadline = _day()
    issued_on = _day()
    closed_on = _day()
    item_count = serializers.IntegerField()


class ArchiveItemRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    notice_number = serializers.CharField()
    sequence = serializers.IntegerField(help_text="Position of the item in its notice.")
    problem = serializers.CharField()
    responsible_person = serializers.CharField(allow_null=True)
    status = serializers.CharField(help_text="open, submitted or closed.")
    closure = serializers.CharField(allow_blank=True, help_text="rectified or unrectifiable, once closed.")
    deadline = _day()
    closed_on = _day()
    on_time = serializers.BooleanField(
        allow_null=True,
        help_text="true: closed out by the deadline; false: closed out after it, or still open past it; "
        "null: not yet due, awaiting verification of a timely submission, or closed as cannot be rectified.",
    )


class ArchiveAlertRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.CharField(help_text="The assessment's month, YYYY-MM.")
    person = serializers.CharField()
    badge_number = serializers.CharField()
    grade = serializers.CharField(help_text="blue, yellow, orange or red.")
    index = serializers.CharField(help_text="Risk index, a decimal as text.")
    status = serializers.CharField(help_text="pending, confirmed or dismissed.")


class ArchiveCircuitBreakRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.CharField()
    scope_kind = serializers.CharField(help_text="account, device or user.")
    scope_key = serializers.CharField()
    model = serializers.CharField(help_text="The breaker model's code.")
    model_name = serializers.CharField()
    status = serializers.CharField(help_text="active, restore_requested or restored.")
    tripped_at = serializers.CharField(help_text=MINUTE)
    restored_at = serializers.CharField(allow_null=True, help_text=MINUTE)


class ArchiveRiskListRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quarter = serializers.CharField(help_text="e.g. 2026Q3")
    notice_number = serializers.CharField()
    status = serializers.CharField(help_text="The status of the list's notice.")
    deadline = _day()
    entry_count = serializers.IntegerField()


class _LeftOutWhenAbsentBooleanField(serializers.BooleanField):
    """A nullable boolean that is left out of the output (not rendered as null) when the row has no
    such key: null means "not decided", absence means "not for this reader"."""

    def get_attribute(self, instance):
        if isinstance(instance, Mapping) and self.source not in instance:
            raise serializers.SkipField()
        return super().get_attribute(instance)


class ArchiveCaseRowSerializer(serializers.Serializer):
    """A case as the archive keeps it: never its title, facts or conclusion. The fields marked
    "facts" are left out for readers who may only know that the case exists (visibility.cases)."""

    FACTS = "Left out for visibility.cases = existence."

    id = serializers.IntegerField()
    number = serializers.CharField()
    unit = serializers.CharField()
    category = serializers.CharField(required=False, help_text=FACTS)
    severity = serializers.CharField(help_text="minor, serious or grave.")
    status = serializers.CharField(help_text="open, investigating, concluded or closed.")
    source = serializers.CharField(required=False, help_text="clue or direct. " + FACTS)
    misconduct_date = _day()
    opened_on = _day()
    concluded_on = _day()
    closed_on = _day()
    integrity_problem_confirmed = _LeftOutWhenAbsentBooleanField(allow_null=True, required=False, help_text=FACTS)
    person_count = serializers.IntegerField(required=False, help_text="Unit archives: persons concerned. " + FACTS)
    responsibility = serializers.CharField(required=False, help_text="Person archives: the responsibility found.")
    action = serializers.CharField(required=False, help_text="Person archives: the accountability action.")


class ArchiveLiabilityRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    person = serializers.CharField()
    badge_number = serializers.CharField()
    unit = serializers.CharField(help_text="The person's unit on the date of the misconduct.")
    level = serializers.CharField(help_text="direct, chief, team_member, mid_level or officer.")
    consequence = serializers.CharField()
    action = serializers.CharField()
    start_date = _day()
    end_date = _day()
    status = serializers.CharField(help_text="active, objected or revoked.")
    ended_on = _day()


class ArchiveRatingRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    score = serializers.CharField(help_text="A decimal as text.")
    rank = serializers.IntegerField()
    grade = serializers.CharField(help_text="model, demonstration, standard or warning.")
    vetoed = serializers.BooleanField()
    published_on = _day()


class ArchiveSectionsSerializer(serializers.Serializer):
    findings = ArchiveFindingRowSerializer(many=True)
    notices = ArchiveNoticeRowSerializer(many=True, required=False, help_text="Unit archives only.")
    items = ArchiveItemRowSerializer(many=True, required=False, help_text="Unit archives only.")
    alerts = ArchiveAlertRowSerializer(
        many=True, help_text="Only confirmed alerts, unless the reader oversees alerts of the subject's unit."
    )
    circuit_breaks = ArchiveCircuitBreakRowSerializer(many=True)
    risk_lists = ArchiveRiskListRowSerializer(many=True, required=False, help_text="Unit archives only.")
    cases = ArchiveCaseRowSerializer(many=True)
    liabilities = ArchiveLiabilityRowSerializer(many=True)
    ratings = ArchiveRatingRowSerializer(many=True, required=False, help_text="Unit archives only.")


class ArchiveSubjectSerializer(serializers.Serializer):
    """The subject as it was when the archive was built."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(required=False, help_text="Units.")
    unit_kind = serializers.CharField(required=False, help_text="Units.")
    badge_number = serializers.CharField(required=False, help_text="Persons.")
    unit_id = serializers.IntegerField(required=False, help_text="Persons: their unit then.")
    unit = serializers.CharField(required=False, help_text="Persons: their unit then.")
    category = serializers.CharField(required=False, help_text="Persons: police or auxiliary.")
    rank = serializers.CharField(required=False, help_text="Persons.")
    is_active = serializers.BooleanField()


def _totals_field():
    return serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Per section: count and breakdowns, e.g. findings {count, general, serious, grave}; "
        "units also notices {count, closed}, items {count, closed, on_time, late}, risk_lists, ratings.",
    )


class ArchiveDataSerializer(serializers.Serializer):
    schema = serializers.IntegerField(help_text="Version of this data layout.")
    kind = serializers.CharField(help_text="unit or person.")
    year = serializers.IntegerField()
    built_on = serializers.DateField(help_text="The day the data was built (for a frozen archive, the freeze).")
    subject = ArchiveSubjectSerializer()
    sections = ArchiveSectionsSerializer()
    totals = _totals_field()


class ArchiveVisibilitySerializer(serializers.Serializer):
    """What the reader sees of the archive; the totals count only what is shown."""

    alerts = serializers.CharField(help_text="all, or confirmed (alerts awaiting verification or dismissed left out).")
    cases = serializers.CharField(
        help_text="full; existence (number, severity, status and dates only: unit leaders and party secretaries, "
        "and no case rows in person archives); concluded (the person concerned, reading their own file); none."
    )
    liabilities = serializers.CharField(help_text="all or none.")


class ArchiveDetailSerializer(serializers.Serializer):
    """One subject's archive of one year (an ArchiveRecord)."""

    kind = serializers.CharField(help_text="unit or person.")
    subject_id = serializers.IntegerField(source="subject.pk")
    subject_name = serializers.CharField()
    year = serializers.IntegerField()
    frozen = serializers.BooleanField(help_text="true: the frozen snapshot; false: built live, not yet frozen.")
    frozen_at = serializers.DateTimeField(allow_null=True)
    frozen_by = serializers.CharField(help_text="Who froze it; empty for the year-end task and for live archives.")
    digest = serializers.CharField(help_text="SHA-256 of the snapshot's canonical JSON; empty for live archives.")
    intact = serializers.BooleanField(
        allow_null=True,
        help_text="Frozen archives: whether the digest still matches the data (false: altered behind the "
        "application's back). Null for live archives.",
    )
    visibility = ArchiveVisibilitySerializer()
    data = ArchiveDataSerializer()


class ArchiveSnapshotListSerializer(serializers.ModelSerializer):
    """A frozen snapshot in the list: who, which year, when frozen, its digest and its totals."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    subject_id = serializers.IntegerField(read_only=True)
    subject_name = serializers.SerializerMethodField()
    frozen = serializers.SerializerMethodField(help_text="Always true: the list holds frozen snapshots only.")
    frozen_by_name = serializers.SerializerMethodField()
    intact = serializers.SerializerMethodField(help_text="Whether the digest still matches the stored data.")
    totals = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The archive's detail endpoint.")

    class Meta:
        model = ArchiveSnapshot
        fields = [
            "id",
            "kind",
            "kind_display",
            "subject_id",
            "subject_name",
            "unit",
            "person",
            "year",
            "frozen",
            "frozen_at",
            "frozen_by",
            "frozen_by_name",
            "digest",
            "intact",
            "totals",
            "url",
        ]

    def get_subject_name(self, snapshot) -> str:
        subject = snapshot.unit if snapshot.kind == ArchiveSnapshot.Kind.UNIT else snapshot.person
        return str(subject) if subject is not None else ""

    def get_frozen(self, snapshot) -> bool:
        return True

    def get_frozen_by_name(self, snapshot) -> str:
        user = snapshot.frozen_by
        if user is None:
            return ""
        person = getattr(user, "person", None)
        return person.name if person is not None else user.get_username()

    def get_intact(self, snapshot) -> bool:
        return archive_digest(snapshot.data) == snapshot.digest

    @extend_schema_field(_totals_field())
    def get_totals(self, snapshot):
        """The totals of what the reader may see of the archive (archive.selectors)."""
        reader = self.context.get("reader")
        if reader is None:  # no request: nothing beyond what anyone may see
            reader = ArchiveReader(None, set(), set(), set(), set())
        if snapshot.kind == ArchiveSnapshot.Kind.UNIT:
            view = reader.view(snapshot.kind, snapshot.unit_id)
        else:
            is_self = reader.user_id is not None and snapshot.person.user_id == reader.user_id
            view = reader.view(snapshot.kind, snapshot.person.unit_id, is_self=is_self)
        return archive_data_for_reader(snapshot.data, view).get("totals", {})

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, snapshot) -> str:
        path = reverse("api:archive-detail", args=[snapshot.kind, snapshot.subject_id, snapshot.year])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
