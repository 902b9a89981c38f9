import pytest

from rectification.models import RectificationItem, RectificationNotice


@pytest.mark.django_db
def test_fixture_chain_reaches_a_submitted_item(submitted_item):
    assert submitted_item.status == RectificationItem.Status.SUBMITTED
    assert submitted_item.notice.status == RectificationNotice.Status.RECTIFYING
    assert submitted_item.notice.document_number.startswith("常交监〔")
