"""Reads for public summaries and feedback.

- The public (no login) sees published summaries only: `summary_published()`.
- Staff see a summary whenever they see its notice (the text is public anyway once published).
- Feedback carries what members of the public wrote about themselves (name, contact): it is for the
  oversight roles of the unit concerned only, like clue transfers.
"""

from django.db.models import QuerySet

from accounts.models import Role
from accounts.selectors import scope_filter
from public.models import PublicFeedback, PublicSummary

FEEDBACK_ROLES = (Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN)


def summary_published() -> QuerySet[PublicSummary]:
    return PublicSummary.objects.filter(status=PublicSummary.Status.PUBLISHED).select_related("unit", "risk_list")


def summary_visible_to(user) -> QuerySet[PublicSummary]:
    from rectification.selectors import notice_visible_to

    return PublicSummary.objects.select_related(
        "unit", "notice", "risk_list", "published_by__person", "unpublished_by__person"
    ).filter(notice__in=notice_visible_to(user).values("pk"))


def feedback_visible_to(user) -> QuerySet[PublicFeedback]:
    return scope_filter(
        PublicFeedback.objects.select_related("summary", "unit", "finding", "handled_by__person"),
        user,
        roles=FEEDBACK_ROLES,
    )


def feedback_new_for(user) -> QuerySet[PublicFeedback]:
    """New feedback a supervisor may act on: in the scope of their supervisor role."""
    return scope_filter(
        PublicFeedback.objects.select_related("summary", "unit").filter(status=PublicFeedback.Status.NEW),
        user,
        roles=(Role.SUPERVISOR,),
    )
