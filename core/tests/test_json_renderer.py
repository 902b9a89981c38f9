"""The API's JSON renderer (orjson) writes what DRF's renderer writes."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.api.json_renderer import FastJSONRenderer
from supervision.models import Severity

JSON = "application/json"


def both(data, media_type=JSON):
    return FastJSONRenderer().render(data, media_type), JSONRenderer().render(data, media_type)


def test_what_an_api_page_holds_is_written_byte_for_byte_as_drf_writes_it():
    data = ReturnDict(
        {
            "next": "http://testserver/api/v1/findings/?cursor=eyJvIjpbIi1mb3VuZF9vbiJdfQ",
            "previous": None,
            "results": ReturnList(
                [
                    {
                        "id": 2**40,
                        "unit_name": "城区一中队",
                        "quote": 'a "quoted" \\ back\nslash\t',
                        "severity": Severity.SERIOUS,
                        "severity_display": gettext_lazy("Serious"),
                        "safe": mark_safe("<b>安全</b>"),
                        "found_on": date(2026, 11, 23),
                        "created_at": datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=UTC),
                        "naive": datetime(2026, 11, 23, 8, 30),
                        "at": time(9, 5, 7, 250000),
                        "took": timedelta(hours=1, seconds=3),
                        "amount": Decimal("12.50"),
                        "rate": 0.125,
                        "ratio": 1 / 3,
                        "key": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                        "flags": (True, False, None),
                        "empty": {},
                        "nested": [[], [{"a": [1, 2.5, -0.0]}]],
                    }
                ],
                serializer=None,
            ),
        },
        serializer=None,
    )
    for language in ("zh-hans", "en"):
        with override(language):
            fast, stock = both(data)
            assert fast == stock


def test_a_float_with_an_exponent_is_the_same_number():
    fast, stock = both({"tiny": 1e-7, "huge": 1e16, "plain": 123.456})
    assert fast != stock  # 1e-7 against 1e-07: the one difference in writing
    assert json.loads(fast) == json.loads(stock)


@pytest.mark.parametrize(
    "data",
    [
        {"beyond_64_bits": 2**64},
        {1: "a key that is not a string", "b": 2},
        [{"deep": -(2**70)}],
    ],
)
def test_what_orjson_refuses_is_written_by_drf(data):
    fast, stock = both(data)
    assert fast == stock


def test_indented_json_is_drfs():
    fast, stock = both({"a": [1, {"b": "c"}]}, "application/json; indent=2")
    assert fast == stock
    assert b"\n  " in fast


def test_line_and_paragraph_separators_are_escaped_as_drf_escapes_them():
    fast, stock = both({"text": "one\u2028two\u2029three"})
    assert fast == stock
    assert b"\\u2028" in fast and b"\\u2029" in fast


def test_what_neither_can_write_is_still_an_error():
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"object": object()}, JSON)


def test_nothing_renders_as_nothing():
    assert FastJSONRenderer().render(None, JSON) == b""


def test_the_api_answers_with_it(api_as, supervisor, finding_a1):
    client = api_as(supervisor)
    response = client.get("/api/v1/findings/", HTTP_ACCEPT=JSON)
    assert response.status_code == 200
    assert response["Content-Type"] == JSON
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data, JSON)
    assert [row["id"] for row in response.json()["results"]] == [finding_a1.pk]
