"""Object access for the cases pages and API: outside the scope is 404, as if it did not exist."""

from accounts.permissions import get_visible_or_404
from cases.models import Case, Liability
from cases.selectors import case_visible_to, liability_visible_to


def access_case(user, pk) -> Case:
    return get_visible_or_404(case_visible_to(user), pk)


def access_liability(user, pk) -> Liability:
    return get_visible_or_404(liability_visible_to(user), pk)
