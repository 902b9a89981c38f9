"""The archive demo freezes the previous year once, as the year-end task would."""

import datetime as dt

import pytest

from accounts.models import Person, Unit
from archive.demo import seed_archive_demo
from archive.models import ArchiveSnapshot
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_demo_freezes_2025_once_and_leaves_2026_live(org, supervisor, today):
    from supervision.tests.factories import make_finding

    make_finding(actor=supervisor, unit=org.a1, found_on=dt.date(2025, 6, 1))

    # when
    line = seed_archive_demo()

    # then
    assert line.startswith("Archive demo: froze 2025")
    assert ArchiveSnapshot.objects.filter(year=2025).count() == Unit.objects.count() + Person.objects.count()
    assert not ArchiveSnapshot.objects.filter(year=2026).exists()
    a1 = ArchiveSnapshot.objects.get(year=2025, unit=org.a1)
    assert a1.data["totals"]["findings"]["count"] == 1 and a1.frozen_by is None

    # written once
    events = AuditEvent.objects.count()
    assert seed_archive_demo() == "Archive demo: already present, nothing written."
    assert AuditEvent.objects.count() == events
