"""Object access: outside the data scope is 404, as if it did not exist."""

from accounts.permissions import get_visible_or_404
from supervision.models import ClueTransfer, Evidence, Finding, Inspection
from supervision.selectors import clue_visible_to, evidence_visible_to, finding_visible_to, inspection_visible_to


def access_inspection(user, pk) -> Inspection:
    return get_visible_or_404(inspection_visible_to(user), pk)


def access_finding(user, pk) -> Finding:
    return get_visible_or_404(finding_visible_to(user), pk)


def access_evidence(user, pk) -> Evidence:
    return get_visible_or_404(evidence_visible_to(user), pk)


def access_clue(user, pk) -> ClueTransfer:
    return get_visible_or_404(clue_visible_to(user), pk)
