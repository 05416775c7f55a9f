"""The unsubscribe page's handler with HTTP API (payload 2.0) events, over the unsubscribe
service and in-memory subscribers: GET confirms and changes nothing, a one-click POST
unsubscribes, a bad token changes nothing."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest

from lambdas.campaigns import unsubscribe as door
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services.unsubscribe_links import LinkDeps
from tctfmsg.rendering.unsubscribe import sign_unsubscribe
from tests.support.campaign_memory import FixedClock
from tests.support.unsubscribe_memory import WritableSubscribers as Subscribers

EVENT = Path(__file__).resolve().parents[2] / "events" / "http_api_unsubscribe.json"
KEY = b"unsubscribe-key-" * 2
ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "tctfmsg-test-campaign-unsubscribe"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:eu-west-1:123456789012:function:tctfmsg-test-campaign-unsubscribe"
    )
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"


@pytest.fixture
def people(monkeypatch: pytest.MonkeyPatch) -> Subscribers:
    store = Subscribers()
    store.add(Subscriber(email="ada@example.com", name="Ada", lists=frozenset({"news"})))
    store.add(Subscriber(email="bob@example.com", name="Bob", lists=frozenset({"news"})))
    root = SimpleNamespace(link_deps=LinkDeps(store, FixedClock(), lambda: KEY))
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    return store


def call(
    method: str,
    token: str | None,
    body: str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    **extra: Any,
) -> dict[str, Any]:
    event = json.loads(EVENT.read_text())
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} /unsubscribe"
    event["requestContext"]["http"]["method"] = method
    if token is None:
        event["rawQueryString"] = ""
        del event["queryStringParameters"]
    else:
        event["rawQueryString"] = f"token={quote(token)}"
        event["queryStringParameters"] = {"token": token}
    if body is not None:  # as an HTTP API passes a form: base64-encoded
        event["headers"]["content-type"] = content_type
        event["body"] = base64.b64encode(body.encode()).decode()
        event["isBase64Encoded"] = True
    event.update(extra)
    response: dict[str, Any] = door.handler(event, LambdaContext())  # type: ignore[arg-type]
    return response


def status_of(people: Subscribers, email: str) -> SubscriberStatus:
    return people.people[email].status


def token_for(email: str = "ada@example.com") -> str:
    return sign_unsubscribe(KEY, "cmp-1", email)


def test_get_shows_a_confirmation_page_and_changes_nothing(people):
    response = call("GET", token_for())
    assert response["statusCode"] == 200
    page = response["body"]
    assert "Unsubscribe?" in page and 'method="post"' in page
    assert "List-Unsubscribe" in page and "One-Click" in page
    assert "ada@example.com" not in page and "a**@example.com" in page
    assert "<script" not in page and "http" not in page.split("<body>")[1]
    assert status_of(people, "ada@example.com") is SubscriberStatus.SUBSCRIBED
    assert people.writes == 0


def test_every_page_forbids_frames_scripts_and_caching(people):
    for response in (call("GET", token_for()), call("GET", "forged")):
        headers = response["headers"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Type"].startswith("text/html")


def test_the_page_links_preferences_when_a_preferences_url_is_set(people, monkeypatch):
    monkeypatch.setattr(door, "SETTINGS", SimpleNamespace(preferences_url="https://p.test/?a=1&b"))
    page = call("GET", token_for())["body"]
    assert 'href="https://p.test/?a=1&amp;b"' in page


def test_a_one_click_post_unsubscribes_at_once_and_again_changes_nothing(people):
    first = call("POST", token_for(), ONE_CLICK)
    assert first["statusCode"] == 200 and "You are unsubscribed" in first["body"]
    assert status_of(people, "ada@example.com") is SubscriberStatus.UNSUBSCRIBED
    assert status_of(people, "bob@example.com") is SubscriberStatus.SUBSCRIBED
    again = call("POST", token_for(), ONE_CLICK)
    assert again["statusCode"] == 200
    assert people.writes == 1


def test_a_multipart_one_click_post_unsubscribes_too(people):
    body = (
        '--b1\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        "One-Click\r\n--b1--\r\n"
    )
    response = call("POST", token_for(), body, "multipart/form-data; boundary=b1")
    assert response["statusCode"] == 200
    assert status_of(people, "ada@example.com") is SubscriberStatus.UNSUBSCRIBED


def test_a_multipart_post_without_the_field_changes_nothing(people):
    body = '--b1\r\nContent-Disposition: form-data; name="other"\r\n\r\nOne-Click\r\n--b1--\r\n'
    response = call("POST", token_for(), body, "multipart/form-data; boundary=b1")
    assert response["statusCode"] == 400
    assert status_of(people, "ada@example.com") is SubscriberStatus.SUBSCRIBED


def test_a_bounced_subscriber_stays_bounced(people):
    people.people["ada@example.com"] = replace(
        people.people["ada@example.com"], status=SubscriberStatus.BOUNCED
    )
    assert call("POST", token_for(), ONE_CLICK)["statusCode"] == 200
    assert status_of(people, "ada@example.com") is SubscriberStatus.BOUNCED


def test_a_post_that_does_not_ask_to_unsubscribe_is_refused(people):
    for body in ("", "List-Unsubscribe=Maybe", "other=1"):
        assert call("POST", token_for(), body)["statusCode"] == 400
    assert status_of(people, "ada@example.com") is SubscriberStatus.SUBSCRIBED


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        token_for()[:-3],
        token_for()[:10] + "!" + token_for()[10:],
        token_for() + "=",
        sign_unsubscribe(b"another-key", "cmp-1", "ada@example.com"),
        token_for() + "," + token_for(),  # the token given twice, joined as HTTP API joins
        "",
    ],
)
def test_a_bad_token_is_refused_with_a_page_and_changes_nothing(people, token):
    for method in ("GET", "POST"):
        response = call(method, token, ONE_CLICK if method == "POST" else None)
        assert response["statusCode"] == 400
        assert "This link does not work" in response["body"]
    assert status_of(people, "ada@example.com") is SubscriberStatus.SUBSCRIBED
    assert people.writes == 0


def test_another_subscribers_link_unsubscribes_only_them(people):
    call("POST", token_for("bob@example.com"), ONE_CLICK)
    assert status_of(people, "bob@example.com") is SubscriberStatus.UNSUBSCRIBED
    assert status_of(people, "ada@example.com") is SubscriberStatus.SUBSCRIBED


def test_an_oversized_body_is_refused_and_changes_nothing(people):
    response = call("POST", token_for(), ONE_CLICK + "&pad=" + "x" * 10_000)
    assert response["statusCode"] == 413
    assert status_of(people, "ada@example.com") is SubscriberStatus.SUBSCRIBED


def test_an_erased_subscriber_is_not_created_again(people):
    del people.people["ada@example.com"]
    assert call("POST", token_for(), ONE_CLICK)["statusCode"] == 200
    assert "ada@example.com" not in people.people
