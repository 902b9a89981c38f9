"""Keyset (cursor) pagination on a list's whole ordering, through the findings list that uses it."""

import base64
import json
from datetime import date, timedelta

import pytest

from supervision.models import Finding
from supervision.tests.factories import make_finding

LIST_URL = "/api/v1/findings/"


@pytest.fixture
def findings(org, supervisor):
    """Eleven findings on three days (ties on found_on), of two severities, in two brigades."""
    day = date(2026, 11, 2)
    made = []
    for number in range(11):
        made.append(
            make_finding(
                actor=supervisor,
                unit=org.a1 if number % 4 else org.b1,
                severity="serious" if number % 3 else "general",
                found_on=day - timedelta(days=number % 3),
                description=f"问题{number}",
            )
        )
    return made


def _walk(api, url, params=None, *, link="next"):
    """Every page from `url` following `link`: the pages' ids, and the number of pages."""
    ids, pages = [], 0
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids.extend(row["id"] for row in body["results"])
        pages += 1
        if not body[link]:
            return ids, pages, body
        response = api.get(body[link])


def test_following_next_gives_every_finding_once_in_the_list_order(api_as, supervisor, findings):
    api = api_as(supervisor)

    ids, pages, _last = _walk(api, LIST_URL, {"page_size": 3})

    expected = list(Finding.objects.order_by("-found_on", "-id").values_list("id", flat=True))
    assert ids == expected
    assert len(ids) == len(set(ids)) == 11
    assert pages == 4


def test_following_previous_from_the_last_page_gives_the_same_pages_backwards(api_as, supervisor, findings):
    api = api_as(supervisor)
    _ids, _pages, last = _walk(api, LIST_URL, {"page_size": 3})
    assert last["previous"] and not last["next"]

    pages = [[row["id"] for row in last["results"]]]
    response = api.get(last["previous"])
    while True:
        body = response.json()
        pages.insert(0, [row["id"] for row in body["results"]])
        if not body["previous"]:
            break
        response = api.get(body["previous"])

    expected = list(Finding.objects.order_by("-found_on", "-id").values_list("id", flat=True))
    assert pages == [expected[0:3], expected[3:6], expected[6:9], expected[9:11]]
    # The first page reached backwards links forward again, to the same second page.
    assert [row["id"] for row in api.get(body["next"]).json()["results"]] == expected[3:6]


def test_a_requested_ordering_with_ties_pages_on_it_and_the_id(api_as, supervisor, findings):
    api = api_as(supervisor)

    ids, _pages, _last = _walk(api, LIST_URL, {"page_size": 2, "ordering": "severity"})

    assert ids == list(Finding.objects.order_by("severity", "id").values_list("id", flat=True))


def test_paging_stays_within_the_callers_scope(api_as, org, outsider, findings):
    api = api_as(outsider)

    ids, _pages, _last = _walk(api, LIST_URL, {"page_size": 2})

    assert ids == list(Finding.objects.filter(unit=org.b1).order_by("-found_on", "-id").values_list("id", flat=True))
    assert ids


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b'{"o":["-found_on","-id"],"b":false,"v":["yesterday",1]}').decode(),
        base64.urlsafe_b64encode(b'{"o":["-found_on","-id"],"b":"no","v":["2026-11-02",1]}').decode(),
        base64.urlsafe_b64encode(b'{"o":["-found_on","-id"],"b":false,"v":["2026-11-02"]}').decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ],
)
def test_a_bad_cursor_is_a_400_naming_it(api_as, supervisor, findings, cursor):
    response = api_as(supervisor).get(LIST_URL, {"cursor": cursor})

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_a_cursor_of_another_ordering_is_a_400(api_as, supervisor, findings):
    api = api_as(supervisor)
    next_link = api.get(LIST_URL, {"page_size": 2}).json()["next"]
    token = next_link.split("cursor=")[1].split("&")[0]
    assert json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"] == ["-found_on", "-id"]

    response = api.get(LIST_URL, {"page_size": 2, "ordering": "severity", "cursor": token})

    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize("url", ["/api/v1/business-records/", "/api/v1/audit-events/"])
def test_a_bad_cursor_of_the_other_cursor_lists_is_a_400_too(api_as, admin_user, url):
    response = api_as(admin_user).get(url, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_the_browsable_api_shows_a_cursor_page(api_as, supervisor, findings):
    response = api_as(supervisor).get(LIST_URL, {"page_size": 2}, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "cursor=" in response.content.decode()
