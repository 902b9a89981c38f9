"""Workbench rows of the rating: the committee sees proposed rounds to approve (and ties to decide),
supervisors see approved rounds to publish and rounds returned to draft."""

from django.utils.translation import gettext as _

from accounts.models import Role
from core.workbench import WorkbenchRow, WorkbenchSection
from ratings.models import RatingRound
from ratings.selectors import rating_round_visible_to, user_has_role_for_all_units, with_grade_counts
from ratings.services import round_url


def rating_rounds_to_act_on(user):
    is_committee = user_has_role_for_all_units(user, (Role.COMMITTEE,))
    is_supervisor = user_has_role_for_all_units(user, (Role.SUPERVISOR,))
    if not (is_committee or is_supervisor):
        return None
    statuses = []
    if is_committee:
        statuses.append(RatingRound.Status.PROPOSED)
    if is_supervisor:
        statuses.append(RatingRound.Status.APPROVED)
    rounds = list(with_grade_counts(rating_round_visible_to(user).filter(status__in=statuses)).order_by("-year"))
    if is_supervisor:
        rounds += list(
            rating_round_visible_to(user)
            .filter(status=RatingRound.Status.DRAFT, returned_at__isnull=False)
            .order_by("-year")
        )
    rows = []
    for rating_round in rounds:
        if rating_round.status == RatingRound.Status.PROPOSED:
            title = _("%(year)s Double Clean rating: approve or return") % {"year": rating_round.year}
            if rating_round.unresolved_tie_count:
                title += " · " + _("%(count)s unit(s) in unresolved ties") % {
                    "count": rating_round.unresolved_tie_count
                }
        elif rating_round.status == RatingRound.Status.APPROVED:
            title = _("%(year)s Double Clean rating: approved, to publish") % {"year": rating_round.year}
        else:
            title = _("%(year)s Double Clean rating: returned to draft") % {"year": rating_round.year}
        rows.append(WorkbenchRow(title=title, url=round_url(rating_round)))
    if not rows:
        return None
    return WorkbenchSection("rating_rounds", _("Double Clean ratings"), rows)


WORKBENCH_PROVIDERS = [rating_rounds_to_act_on]
