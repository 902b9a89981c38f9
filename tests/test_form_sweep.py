"""Every browser form, posted with a bad value in each of its fields (issue 7, "Robustness").

The forms are not listed by hand: the pages are crawled as each persona, from the home page along the
links the pages show, and every form found on them is taken. For each field, the form is sent once per
bad value of the field's kind, with every other field as the page rendered it. The sweep asserts:
- never a 500 (the test client re-raises a view's exception, so one fails the test with its traceback);
- a form returned with errors has written nothing: no audit event, and none of the rows a workflow writes.
"""

import re
from collections import deque
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
import pytest

from audit.models import AuditEvent
from rectification.models import ProgressUpdate, RectificationItem, RectificationNotice
from supervision.models import Evidence, Finding

BAD_VALUES = {
    "text": ("字" * 20_000, "a\x00b", "2026-02-30"),
    "date": ("2026-02-30", "99999-01-01", "not a date"),
    "datetime-local": ("2026-02-30T25:61", "99999-01-01T00:00"),
    "month": ("2026-13", "0-0"),
    "number": ("abc", "1e400", "-99999999999999999999"),
    "select": ("no-such-choice", "99999999999999999999", "-1"),
    "checkbox": ("maybe",),
    "hidden": ("no-such-value", "99999999999999999999"),
}
# Not the product's own pages (the Django admin, the API and its docs), nor what ends the session.
SKIPPED = re.compile(r"^/(admin|api|static|media)/|logout")
# Files: the page links to them; they are no forms.
DOWNLOADS = re.compile(r"(download|export|ledger|\.(xlsx|docx|csv|pdf|zip))(/|\?|$)")
PERSONAS = ("supervisor", "squad_leader", "brigade_leader", "discipline_inspector", "committee_member", "admin_user")
# Forms that write no record of the domain: the language, the notifications read.
NO_RECORDS = ("/accounts/language/", "/notifications/read/")
PAGES_PER_SHAPE = 2  # /supervision/findings/7/ and /supervision/findings/8/ are one shape
MAX_PAGES = 160

pytestmark = pytest.mark.django_db


def _shape(path: str) -> str:
    return re.sub(r"\d+", "#", path)


def _chosen(form) -> dict[str, str]:
    """A GET form's values with each empty select set to its first real option (a unit chosen, say)."""
    values = dict(form.form_values())
    for select in form.xpath(".//select[@name]"):
        options = [value for value in select.xpath("./option/@value") if value]
        if not values.get(select.get("name")) and options:
            values[select.get("name")] = options[0]
    return values


def _crawl(client) -> dict[str, lxml.html.HtmlElement]:
    """The HTML pages reachable from the home page, at most PAGES_PER_SHAPE of each shape: along the
    links (without their query strings, which only page and filter lists), and through each GET form
    once with a choice made (the forms that first ask for a unit)."""
    pages, seen, shapes = {}, {"/"}, {}
    queue = deque(["/"])

    def follow(url: str) -> None:
        parts = urlsplit(url)
        if parts.netloc or url in seen or SKIPPED.search(parts.path) or DOWNLOADS.search(parts.path):
            return
        seen.add(url)
        shape = (_shape(parts.path), tuple(sorted(key.split("=")[0] for key in parts.query.split("&") if key)))
        if shapes.setdefault(shape, 0) < PAGES_PER_SHAPE:
            shapes[shape] += 1
            queue.append(url)

    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        document = lxml.html.fromstring(response.content.decode())
        pages[url] = document
        for href in document.xpath("//a/@href"):
            follow(urlsplit(urljoin(url, href)).path)
        for form in document.forms:
            if (form.get("method") or "get").lower() == "get":
                action = urlsplit(urljoin(url, form.get("action") or url)).path
                follow(f"{action}?{urlencode(_chosen(form))}")
    return pages


def _kind(element) -> str:
    if element.tag == "select":
        return "select"
    if element.tag == "textarea":
        return "text"
    kind = (element.get("type") or "text").lower()
    if kind in ("checkbox", "radio"):
        return "checkbox"
    return kind if kind in BAD_VALUES else "text"


def _fields(form) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The values the page rendered (as the browser would send them), and each field's kind."""
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    kinds = {}
    for element in form.inputs:
        name = element.get("name")
        kind = (element.get("type") or "").lower()
        if not name or name == "csrfmiddlewaretoken" or kind in ("submit", "button", "file", "reset", "image"):
            continue
        kinds.setdefault(name, _kind(element))
    return values, kinds


def _written() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (AuditEvent, Finding, Evidence, RectificationNotice, RectificationItem, ProgressUpdate)
    )


def _has_errors(content: bytes) -> bool:
    return b"is-invalid" in content or b"errorlist" in content or b"invalid-feedback" in content


@pytest.fixture
def world(org, supervisor, squad_leader, brigade_leader, discipline_inspector, committee_member, admin_user, open_item):
    """An open item (with its finding, notice and handover) in squad A1, and an alert, a circuit break,
    a case with a liability record and a draft rating round: each page has something to show."""
    from dashboard.tests.factories import rating_round
    from ratings.tests import factories as records
    from supervision.tests.factories import make_finding

    records.confirmed_alert(org.a1, status="pending")
    records.circuit_break(org.a1)
    records.liability(org.a1)
    rating_round(year=2026, status="draft", grades={org.a1: "model", org.b1: "standard"})
    make_finding(actor=supervisor, unit=org.b1)
    return {
        "supervisor": supervisor,
        "squad_leader": squad_leader,
        "brigade_leader": brigade_leader,
        "discipline_inspector": discipline_inspector,
        "committee_member": committee_member,
        "admin_user": admin_user,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_form_field_with_a_bad_value_never_fails_and_an_error_writes_nothing(client, world, persona):
    # given: the persona's pages and their forms
    client.force_login(world[persona])
    pages = _crawl(client)
    forms = [(path, form) for path, document in pages.items() for form in document.forms]
    assert len(pages) > 10 and forms, f"the crawl found {len(pages)} pages and {len(forms)} forms"

    # when / then
    sent, refused, swept = 0, 0, set()
    for path, form in forms:
        action = urlsplit(urljoin(path, form.get("action") or path)).path
        method = (form.get("method") or "get").lower()
        values, kinds = _fields(form)
        # The forms every page carries (the language switch, the search) are swept once.
        key = (method, _shape(action), tuple(sorted(kinds)))
        if SKIPPED.search(action) or key in swept:
            continue
        swept.add(key)
        for name, kind in kinds.items():
            for bad in BAD_VALUES[kind]:
                data = {**values, name: [bad]}
                before = _written()
                if method == "post":
                    response = client.post(action, data)
                else:
                    response = client.get(action, data)
                sent += 1
                where = f"{method.upper()} {action} ({path}) with {name}={bad[:20]!r}"
                assert response.status_code < 500, where
                if method == "post" and response.status_code in (200, 400) and _has_errors(response.content):
                    refused += 1
                    assert _written() == before, f"{where}: an error was shown, yet rows were written"
    # and the sweep was not empty: every persona has forms; where it has forms that write records (all
    # but the committee, which reads), some answered with their errors
    writing = [key for key in swept if key[0] == "post" and key[1] not in NO_RECORDS]
    assert sent > 0 and (refused > 0 or not writing), (sent, refused, writing)
    assert bool(writing) == (persona != "committee_member"), writing
