"""Findings and evidence: type by content, size cap, SHA-256, immutability; clue transfer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from supervision.models import ClueTransfer, Evidence, Finding
from supervision.services import clue_dispose, clue_transfer, evidence_add_to_finding
from supervision.tests.factories import (
    JPEG_BYTES,
    MP4_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    make_finding,
    office_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("a.png", PNG_BYTES, "png"),
        ("a.jpg", JPEG_BYTES, "jpg"),
        ("scan.png", PDF_BYTES, "pdf"),  # the name lies; the content decides
        ("clip.mp4", MP4_BYTES, "mp4"),
        ("报告.docx", office_bytes("docx"), "docx"),
        ("台账.xlsx", office_bytes("xlsx"), "xlsx"),
    ],
)
def test_accepted_types_are_recognised_by_content(org, supervisor, name, content, kind):
    finding = make_finding(actor=supervisor, unit=org.a1, files=[upload(name, content)])
    evidence = finding.evidence.get()
    assert evidence.kind == kind
    assert evidence.original_name == name
    assert evidence.size == len(content)
    import hashlib

    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert not evidence.file.name.startswith("static")
    assert evidence.file.read() == content


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.png", b"just some text pretending to be a photo"),
        ("page.jpg", b"<html><script>alert(1)</script></html>"),
        ("archive.docx", office_bytes("docx").replace(b"word/document.xml", b"evil/payload.xml")),
        ("empty.pdf", b""),
    ],
)
def test_refused_types_write_nothing(org, supervisor, name, content):
    findings, evidence, events = Finding.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as error:
        make_finding(actor=supervisor, unit=org.a1, files=[upload("ok.png"), upload(name, content)])
    assert error.value.field == "files"
    assert name in error.value.message
    assert (Finding.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()) == (
        findings,
        evidence,
        events,
    )


def test_too_large_is_refused(org, supervisor, settings):
    settings.EVIDENCE_MAX_BYTES = len(PNG_BYTES) - 1
    with pytest.raises(DomainError) as error:
        make_finding(actor=supervisor, unit=org.a1, files=[upload()])
    assert error.value.field == "files" and "photo.png" in error.value.message
    assert not Finding.objects.exists()


def test_evidence_is_frozen_once_the_notice_is_issued(issued_notice, finding_a1, supervisor):
    with pytest.raises(DomainError):
        evidence_add_to_finding(actor=supervisor, finding=finding_a1, files=[upload()])
    assert finding_a1.evidence.count() == 1


def test_evidence_can_be_added_before_the_notice(finding_a1, supervisor):
    evidence_add_to_finding(actor=supervisor, finding=finding_a1, files=[upload("second.jpg", JPEG_BYTES)])
    assert finding_a1.evidence.count() == 2


def test_finding_outside_scope_is_refused(org, squad_leader):
    with pytest.raises(DomainError) as error:
        make_finding(actor=squad_leader, unit=org.b1)
    assert error.value.field == "unit"


def test_finding_in_the_future_is_refused(org, supervisor):
    with pytest.raises(DomainError) as error:
        make_finding(actor=supervisor, unit=org.a1, found_on=timezone.localdate() + timedelta(days=1))
    assert error.value.field == "found_on"


def test_persons_must_belong_to_the_unit(org, supervisor):
    from accounts.tests.factories import PersonFactory

    with pytest.raises(DomainError) as error:
        make_finding(actor=supervisor, unit=org.a1, persons=[PersonFactory(unit=org.b1)])
    assert error.value.field == "persons"


def test_party_secretary_cannot_file_findings(org, party_secretary):
    with pytest.raises(Exception) as error:
        make_finding(actor=party_secretary, unit=org.a1)
    assert error.type.__name__ == "PermissionDenied"


# --- clue transfer -------------------------------------------------------------------------------------


def test_clue_transfer_and_disposal_feed_back_to_the_supervisor(finding_a1, supervisor, discipline_inspector):
    from core.models import Notification

    clue = clue_transfer(actor=supervisor, finding=finding_a1, reason="涉嫌违纪")
    assert Notification.objects.filter(recipient=discipline_inspector).exists()
    clue = clue_dispose(actor=discipline_inspector, clue=clue, disposal="立案审查")
    assert clue.status == ClueTransfer.Status.DISPOSED
    assert Notification.objects.filter(recipient=supervisor, key=f"clue:{clue.pk}:disposed").exists()


def test_general_findings_are_not_transferred(org, supervisor):
    finding = make_finding(actor=supervisor, unit=org.a1, severity="general")
    with pytest.raises(DomainError):
        clue_transfer(actor=supervisor, finding=finding, reason="x")


def test_a_finding_is_transferred_once(finding_a1, supervisor):
    clue_transfer(actor=supervisor, finding=finding_a1, reason="x")
    with pytest.raises(TransitionNotAllowed):
        clue_transfer(actor=supervisor, finding=finding_a1, reason="again")


def test_only_discipline_inspection_disposes(finding_a1, supervisor):
    clue = clue_transfer(actor=supervisor, finding=finding_a1, reason="x")
    with pytest.raises(Exception) as error:
        clue_dispose(actor=supervisor, clue=clue, disposal="y")
    assert error.type.__name__ == "PermissionDenied"


def test_clues_are_hidden_from_the_unit_concerned(finding_a1, supervisor, squad_leader, brigade_leader):
    from supervision.selectors import clue_visible_to

    clue_transfer(actor=supervisor, finding=finding_a1, reason="x")
    assert clue_visible_to(supervisor).count() == 1
    assert not clue_visible_to(squad_leader).exists()
    assert not clue_visible_to(brigade_leader).exists()


def test_not_permitted_is_a_domain_error():
    assert issubclass(NotPermitted, DomainError)
