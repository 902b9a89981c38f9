"""The archive part of the demo (called by `manage.py seed_demo`, in a transaction, after the cases and
ratings demos).

The demo's records are all dated 2026 and its "today" is 2026-11-23 (accounts.demo_data.DEMO_TODAY),
so 2026 has not ended and cannot be frozen: its archives are shown live, with the "not yet frozen"
banner, until the year-end task freezes them on 2 January 2027. To show what a frozen archive looks
like (banner, digest, integrity check, exports), the demo freezes 2025 exactly as that task would
(no actor). Those archives are honestly (mostly) empty: the demo has no 2025 records.
"""

from django.utils import timezone

from accounts.demo_data import DEMO_TODAY
from archive.models import ArchiveSnapshot
from archive.services import archive_freeze

FROZEN_YEAR = DEMO_TODAY.year - 1


def _has_content(data: dict) -> bool:
    return any(section.get("count") for section in data.get("totals", {}).values())


def seed_archive_demo() -> str:
    """Freeze the demo's previous year once; return the summary line for the seed_demo output."""
    if ArchiveSnapshot.objects.filter(year=FROZEN_YEAR).exists():
        return "Archive demo: already present, nothing written."
    if timezone.localdate().year <= FROZEN_YEAR:
        return f"Archive demo: {FROZEN_YEAR} has not ended on this machine's clock; nothing frozen."
    result = archive_freeze(year=FROZEN_YEAR)
    snapshots = ArchiveSnapshot.objects.filter(year=FROZEN_YEAR)
    units = snapshots.filter(kind=ArchiveSnapshot.Kind.UNIT).count()
    with_content = sum(1 for data in snapshots.values_list("data", flat=True) if _has_content(data))
    return (
        f"Archive demo: froze {FROZEN_YEAR} ({result.created} archives: {units} units, "
        f"{result.created - units} persons; {with_content} with records, the demo's records being in "
        f"{DEMO_TODAY.year}); {DEMO_TODAY.year} is shown live until the year-end task freezes it."
    )
