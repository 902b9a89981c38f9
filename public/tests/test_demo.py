"""The public page's demo: published summaries without personal names and feedback, written once."""

from io import StringIO

from django.core.management import call_command

from public.models import PublicFeedback, PublicSummary


def test_the_demo_publishes_summaries_and_feedback_once(db, client):
    call_command("seed_demo", stdout=StringIO())
    assert PublicSummary.objects.count() == 2
    assert PublicFeedback.objects.count() == 1
    # visible without login
    page = client.get("/public/rectification/")
    assert page.status_code == 200
    assert "窗口服务规范整改进展" in page.content.decode()

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Public page demo: already present" in out.getvalue()
    assert (PublicSummary.objects.count(), PublicFeedback.objects.count()) == (2, 1)
