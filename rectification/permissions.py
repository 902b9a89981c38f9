"""Object access: outside the data scope is 404, as if it did not exist."""

from accounts.permissions import get_visible_or_404
from rectification.models import Handover, ItemRequest, LookBack, RectificationItem, RectificationNotice
from rectification.selectors import (
    handover_visible_to,
    item_request_visible_to,
    item_visible_to,
    look_back_visible_to,
    notice_visible_to,
)


def access_notice(user, pk) -> RectificationNotice:
    return get_visible_or_404(notice_visible_to(user), pk)


def access_handover(user, pk) -> Handover:
    return get_visible_or_404(handover_visible_to(user), pk)


def access_item(user, pk) -> RectificationItem:
    return get_visible_or_404(item_visible_to(user), pk)


def access_item_request(user, pk) -> ItemRequest:
    return get_visible_or_404(item_request_visible_to(user), pk)


def access_look_back(user, pk) -> LookBack:
    return get_visible_or_404(look_back_visible_to(user), pk)
