"""Hostile requests to the campaign API: strict types, capped sizes, malformed bodies and
events are all 4xx naming what was wrong, never a 500 and never a traceback (decision 0081)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.campaigns import api
from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tests.unit.campaigns_api.conftest import LambdaContext, World, load_event
from tests.unit.campaigns_api.test_dlq_routes import _dead

CREATE = {"name": "May news", "subject": "News", "template": "newsletter", "list": "news"}


def _raw(event: Any) -> tuple[int, dict[str, Any]]:
    answer = api.handler(event, LambdaContext())  # type: ignore[arg-type]
    return answer["statusCode"], json.loads(answer["body"])


def test_a_boolean_is_never_read_from_a_string(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    _dead(world, "a@example.com")

    answer = world.call("api_dlq_retry", body={"all": "yes"})

    assert answer.status == 400
    assert answer.body["error"] == "invalid request body: all: Input should be a valid boolean"
    assert world.queue.messages == []


def test_a_number_is_never_read_from_a_string(world: World) -> None:
    answer = world.call("api_dlq_retry", body={"ids": [1]})

    assert answer.status == 400
    assert answer.body["error"] == "invalid request body: ids.0: Input should be a valid string"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("name", "n" * 201, "name: String should have at most 200 characters"),
        ("subject", "s" * 999, "subject: String should have at most 998 characters"),
        ("filter", {f"k{i}": "v" for i in range(51)}, "filter: Dictionary should have at most"),
    ],
)
def test_a_field_over_its_limit_is_400_naming_the_field_and_the_limit(
    world: World, field: str, value: Any, says: str
) -> None:
    answer = world.call("api_create_campaign", body={**CREATE, field: value})

    assert answer.status == 400
    assert says in answer.body["error"]
    assert world.store.items == {}


@pytest.mark.parametrize(("field", "size"), [("name", 500_000), ("subject", 6_000_000)])
def test_a_body_over_the_limit_is_413_naming_the_limit(world: World, field: str, size: int) -> None:
    answer = world.call("api_create_campaign", body={**CREATE, field: "x" * size})

    assert answer.status == 413
    assert "over the 65,536-byte limit" in answer.body["error"]
    assert world.store.items == {}


def test_a_subject_with_a_line_break_is_400_and_stores_nothing(world: World) -> None:
    answer = world.call("api_create_campaign", body={**CREATE, "subject": "Hi\r\nBcc: x@e.example"})

    assert answer.status == 400
    assert "campaign subject holds a control character (CR" in answer.body["error"]
    assert world.store.items == {}


@pytest.mark.parametrize(
    ("body", "base64_encoded", "says"),
    [
        ("not base64!", True, "marked base64 but is not valid base64"),
        (base64.b64encode(b'{"name": "\xff\xfe"}').decode(), True, "not UTF-8 text"),
        ('{"name": "\udcff"}', False, "not UTF-8 text"),
        ("[1, 2]", False, "invalid request body"),
        ("7", False, "invalid request body"),
        ("[" * 10_000, False, "not valid JSON"),
    ],
    ids=["bad-base64", "non-utf8", "lone-surrogate", "array", "number", "deep"],
)
def test_a_malformed_body_is_400(world: World, body: str, base64_encoded: bool, says: str) -> None:
    event = load_event("api_create_campaign")
    event.update(body=body, isBase64Encoded=base64_encoded)

    status, answer = _raw(event)

    assert status == 400
    assert says in answer["error"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda e: e.pop("httpMethod"), "no httpMethod"),
        (lambda e: e.pop("requestContext"), "no requestContext"),
        (lambda e: e.update(headers={"X": 5}), "headers is not a map of strings"),
        (lambda e: e.update(isBase64Encoded="yes"), "isBase64Encoded is not a boolean"),
        (lambda e: e.update(body={"name": "n"}), "body is not a string"),
    ],
    ids=["no-method", "no-context", "header-type", "base64-flag", "body-object"],
)
def test_a_malformed_event_is_400_not_a_500(world: World, change: Any, says: str) -> None:
    event = load_event("api_create_campaign")
    change(event)

    status, answer = _raw(event)

    assert status == 400
    assert says in answer["error"]


def test_an_event_that_is_not_an_object_is_400(world: World) -> None:
    assert _raw([])[0] == 400


# ---- a property: whatever arrives, the answer is never a 500 ----------------------------

ROUTES = [
    ("POST", "/campaigns"),
    ("GET", "/campaigns"),
    ("GET", "/campaigns/c-0123456789ab"),
    ("POST", "/campaigns/c-0123456789ab/schedule"),
    ("POST", "/campaigns/c-0123456789ab/pause"),
    ("POST", "/dlq/retry"),
    ("POST", "/dlq/resolve"),
    ("GET", "/dlq/messages"),
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
FIELDS = st.sampled_from(["name", "subject", "template", "list", "filter", "sender", "at"])
BODIES = st.one_of(
    st.text(max_size=200),
    JSON.map(json.dumps),
    st.dictionaries(
        FIELDS | st.sampled_from(["ids", "all", "campaign_id", "reason"]), JSON, max_size=6
    ).map(json.dumps),
    st.binary(max_size=100).map(lambda b: base64.b64encode(b).decode()),
)
ANY = st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.lists(st.integers())


@st.composite
def hostile_events(draw: st.DrawFn) -> Any:
    method, path = draw(st.sampled_from(ROUTES))
    event = load_event("api_create_campaign")
    event.update(
        httpMethod=draw(st.just(method) | st.text(max_size=8)),
        path=draw(st.just(path) | st.text(max_size=40)),
        body=draw(st.none() | BODIES),
        isBase64Encoded=draw(st.booleans()),
        queryStringParameters=draw(
            st.none() | st.dictionaries(st.sampled_from(["status", "state"]), st.text(max_size=9))
        ),
    )
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=2)):
        if draw(st.booleans()):
            event.pop(key, None)
        else:
            event[key] = draw(ANY)
    return event


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(event=hostile_events())
def test_no_hostile_event_gets_a_500_or_a_traceback(world: World, event: Any) -> None:
    answer = api.handler(event, LambdaContext())  # type: ignore[arg-type]

    assert answer["statusCode"] < 500, answer
    assert "Traceback" not in answer["body"]
