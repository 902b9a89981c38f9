"""The UI shell: every persona gets a working workbench and menu; the admin writes through services."""

import pytest

from accounts.models import Unit
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PERSONAS = [
    "supervisor",
    "discipline_inspector",
    "brigade_leader",
    "squad_leader",
    "party_secretary",
    "committee_member",
    "admin_user",
    "api_client_user",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_the_shell_pages(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for url in ["/", "/org/units/", "/org/persons/"]:
        response = client.get(url)
        assert response.status_code == 200, (persona, url)
        assert "vendor/bootstrap/bootstrap.min.css" in response.content.decode()


def test_menu_shows_operation_log_only_to_those_who_may_read_it(client, supervisor, discipline_inspector):
    client.force_login(supervisor)
    assert "/audit/" not in client.get("/").content.decode()
    client.force_login(discipline_inspector)
    assert "/audit/" in client.get("/").content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/org/persons/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_person_list_query_count_is_bounded(client, org, committee_member, django_assert_max_num_queries):
    from accounts.tests.factories import PersonFactory

    PersonFactory.create_batch(60, unit=org.a1)
    client.force_login(committee_member)
    client.get("/org/persons/")
    with django_assert_max_num_queries(12):
        assert client.get("/org/persons/?page=2").status_code == 200


def test_person_filter_form_rejects_out_of_scope_unit(client, org, squad_leader):
    client.force_login(squad_leader)
    response = client.get(f"/org/persons/?unit={org.b1.pk}")
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_admin_creates_unit_through_the_service_with_an_audit_event(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/unit/add/",
        {"code": "A3", "name": "一大队三中队", "kind": "squad", "parent": org.a.pk, "sort_order": 0, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="A3")
    assert unit.path == f"{org.a.path}{unit.pk}/"
    event = AuditEvent.objects.filter(action="unit.create", object_id=str(unit.pk)).get()
    assert event.actor_id == admin_user.pk
    assert event.changes["code"] == {"before": None, "after": "A3"}


@pytest.mark.parametrize(
    "model",
    [
        "unit",
        "person",
        "position",
        "partyorganization",
        "post",
        "roleassignment",
        "user",
        "loginevent",
        "apitoken",
        "businessarea",
    ],
)
def test_admin_changelists_render(client, org, admin_user, model):
    client.force_login(admin_user)
    assert client.get(f"/admin/accounts/{model}/").status_code == 200


def test_audit_admin_is_read_only(client, org, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/supervision/findingcategory/",
        "/admin/supervision/finding/",
        "/admin/supervision/evidence/",
        "/admin/rectification/rectificationnotice/",
        "/admin/rectification/rectificationitem/",
        "/admin/rectification/deadlinerule/",
        "/admin/rectification/escalationstep/",
        "/admin/core/calendarday/",
        "/admin/rectification/lookback/",
    ],
)
def test_rectification_admin_renders(client, org, admin_user, url):
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_admin_edit_of_reference_data_is_audited(client, org, admin_user):
    from rectification.models import DeadlineRule

    client.force_login(admin_user)
    rule = DeadlineRule.objects.get(severity="grave")
    response = client.post(
        f"/admin/rectification/deadlinerule/{rule.pk}/change/", {"severity": "grave", "working_days": 3}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="deadlinerule.update")
    assert event.changes["working_days"] == {"before": "5", "after": "3"}


def test_workflow_records_are_read_only_in_admin(client, org, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/rectification/rectificationnotice/add/").status_code == 403


def test_notifications_are_private_and_can_be_marked_read(client, org, squad_leader, outsider):
    from core.models import Notification
    from core.notifications import Message, notify

    notify(recipient_ids=[squad_leader.pk], message=Message(key="k1", title="请签收整改通知书"))
    notify(recipient_ids=[squad_leader.pk], message=Message(key="k1", title="请签收整改通知书"))  # same key: once
    assert Notification.objects.filter(recipient=squad_leader).count() == 1
    client.force_login(outsider)
    assert "请签收整改通知书" not in client.get("/notifications/").content.decode()
    client.post("/notifications/read/", {"id": Notification.objects.get().pk})
    assert Notification.objects.get().read_at is None  # not the outsider's to mark
    client.force_login(squad_leader)
    assert "请签收整改通知书" in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    assert Notification.objects.get().read_at is not None


@pytest.mark.parametrize(("unread", "badge"), [(3, "3"), (99, "99"), (100, "99+"), (150, "99+")])
def test_the_bell_counts_unread_notifications_up_to_99(client, supervisor, unread, badge):
    from django.utils import timezone

    from core.models import Notification

    Notification.objects.bulk_create(
        Notification(recipient=supervisor, key=f"test:{number}", title="通知") for number in range(unread)
    )
    Notification.objects.create(recipient=supervisor, key="test:read", title="已读", read_at=timezone.now())
    client.force_login(supervisor)

    bell = client.get("/").content.decode().split('id="notification-bell"')[1].split("</a>")[0]

    assert f'text-bg-danger">{badge}</span>' in bell
