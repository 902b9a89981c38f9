"""The demo inspections, findings and rectification written by `manage.py seed_demo`.

Seeding is slow-ish (the whole detachment first), so one test seeds twice and checks everything.
"""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command

from accounts.demo_data import DEMO_TODAY
from accounts.models import Unit, User
from audit.models import AuditEvent
from core.models import CalendarDay, Notification
from core.workbench import workbench_sections
from rectification.models import (
    Handover,
    ItemRequest,
    ItemReview,
    LookBack,
    ProgressUpdate,
    RectificationItem,
    RectificationNotice,
)
from supervision.models import ClueTransfer, Evidence, Finding, Inspection, SupervisionLayer
from supervision.selectors import finding_visible_to

Item = RectificationItem
Notice = RectificationNotice
COUNTED = (
    Inspection,
    Finding,
    Evidence,
    Notice,
    Handover,
    Item,
    ProgressUpdate,
    ItemReview,
    ItemRequest,
    LookBack,
    ClueTransfer,
    CalendarDay,
    Notification,
    AuditEvent,
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in COUNTED}


def sections_of(username: str) -> set[str]:
    return {section.key for section in workbench_sections(User.objects.get(username=username))}


def test_demo_covers_every_state_is_scoped_and_is_written_once(db):
    output = seed()

    assert "Supervision and rectification demo: 12 inspections" in output
    assert CalendarDay.objects.filter(date__year=2026, name="国庆节").exists()

    # Inspections of every kind and layer; findings from every kind of source, some with evidence.
    inspections = Inspection.objects.all()
    assert set(inspections.values_list("kind", flat=True)) == set(Inspection.Kind.values)
    assert set(inspections.values_list("layer", flat=True)) == set(SupervisionLayer.values)
    findings = Finding.objects.all()
    assert findings.count() >= 35
    assert {"inspection", "petition", "complaint", "audit"} <= set(findings.values_list("source", flat=True))
    assert len(set(findings.values_list("category", flat=True))) >= 7
    assert set(findings.values_list("severity", flat=True)) == {"general", "serious", "grave"}
    assert Evidence.objects.filter(finding__isnull=False).count() >= 10
    assert Evidence.objects.filter(progress_update__isnull=False).exists()

    # Notices in every status, items in every status and deadline state.
    assert set(Notice.objects.values_list("status", flat=True)) == set(Notice.Status.values)
    issued = Notice.objects.filter(status=Notice.Status.ISSUED)
    assert issued.exclude(handovers__status=Handover.Status.ACKNOWLEDGED).exists()  # both sides pending
    assert issued.filter(handovers__status=Handover.Status.ACKNOWLEDGED).exists()  # one side acknowledged
    assert Notice.objects.filter(status=Notice.Status.ACKNOWLEDGED, items__isnull=True).exists()
    assert set(Item.objects.values_list("status", flat=True)) == set(Item.Status.values)
    open_items = Item.objects.filter(status=Item.Status.OPEN)
    assert open_items.filter(due_state=Item.DueState.OVERDUE, deadline__lt=DEMO_TODAY).exists()
    assert open_items.filter(due_state=Item.DueState.DUE_SOON, deadline__gte=DEMO_TODAY).exists()
    assert open_items.filter(escalation_level__gt=0).exists()
    assert open_items.filter(reviews__decision=ItemReview.Decision.REJECT).exists()  # rejected, then open
    assert Item.objects.filter(closure=Item.Closure.UNRECTIFIABLE).exists()
    pending = ItemRequest.objects.filter(status=ItemRequest.Status.PENDING)
    assert pending.filter(kind=ItemRequest.Kind.EXTENSION).exists()
    assert pending.filter(kind=ItemRequest.Kind.UNRECTIFIABLE).exists()
    assert LookBack.objects.filter(
        status=LookBack.Status.SCHEDULED, scheduled_for__range=(DEMO_TODAY, DEMO_TODAY + timedelta(days=7))
    ).exists()
    assert LookBack.objects.filter(status=LookBack.Status.FAILED, notice__status=Notice.Status.REOPENED).exists()
    assert ClueTransfer.objects.filter(status=ClueTransfer.Status.TRANSFERRED, finding__severity="grave").exists()
    assert ClueTransfer.objects.filter(status=ClueTransfer.Status.DISPOSED).exclude(disposal="").exists()

    # Verification is never done by the submitter; every handover is acknowledged by its own side.
    for review in ItemReview.objects.select_related("item"):
        assert review.reviewer_id != review.item.submitted_by_id
    assert not Handover.objects.filter(
        side=Handover.Side.PARTY, status=Handover.Status.ACKNOWLEDGED, acknowledged_by__username="biz_lead"
    ).exists()

    # Each demo login has something waiting (look-backs depend on the real date: checked above).
    assert "acknowledge" in sections_of("party_secretary")
    assert "acknowledge" in sections_of("biz_lead")
    assert "rectify" in sections_of("squad_leader")
    assert {"verify", "requests"} <= sections_of("supervisor")
    assert "verify" in sections_of("centre")
    assert "clues" in sections_of("inspector")
    assert "requests" in sections_of("committee")

    # The second squad leader sees its own findings and none of the first brigade's.
    squad_leader2 = User.objects.get(username="squad_leader2")
    dd01 = Unit.objects.get(code="DD01")
    visible = finding_visible_to(squad_leader2)
    assert visible.filter(unit__code="DD02-ZD01").exists()
    assert not visible.filter(unit__path__startswith=dd01.path).exists()
    assert Finding.objects.filter(unit__path__startswith=dd01.path).count() > visible.count()

    before = row_counts()
    output = seed()

    assert row_counts() == before
    assert "already present, nothing written" in output
    call_command("verify_audit", stdout=StringIO())
