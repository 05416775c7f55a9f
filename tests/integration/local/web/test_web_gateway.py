"""The local HTTP API over real HTTP on 127.0.0.1: each route runs its function through the
function runtime with an HTTP API (payload 2.0) event, and the function's answer is what the
client hears; unknown routes, oversized bodies and foreign pages are refused before any runs."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services.unsubscribe_links import LinkDeps
from tctfmsg.core import resources
from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.components import StackContext
from tctfmsg.local.runtime import FunctionRuntime
from tctfmsg.local.web.component import WebGatewayComponent
from tctfmsg.local.web.gateway import MAX_BODY_BYTES
from tctfmsg.local.web.routes import HttpRouteTable
from tctfmsg.rendering.unsubscribe import unsubscribe_url
from tests.support.campaign_memory import FixedClock
from tests.support.ports import free_base_port
from tests.support.unsubscribe_memory import WritableSubscribers as Subscribers
from tests.support.web_handlers import OVERLAP, SPECS

TIMEOUT = 10
KEY = b"web-gateway-test-key"


def _running(home: Path, functions: tuple[FunctionSpec, ...]) -> Iterator[str]:
    context = StackContext(home=home, stage="local", base_port=free_base_port())
    runtime = FunctionRuntime(functions=functions)
    runtime.start(context)
    component = WebGatewayComponent(runtime.invoke, functions)
    try:
        yield component.start(context)["web"]
    finally:
        component.stop()
        runtime.stop()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    yield from _running(tmp_path, SPECS)


def test_a_route_gets_an_http_api_v2_event_and_its_answer_is_sent_back(web):
    response = requests.post(
        f"{web}/hooks/resend?a=1&a=2&b=",
        data=b"\x00\x01binary",
        headers={"Content-Type": "application/octet-stream", "Cookie": "c1=x; c2=y"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201
    assert response.headers["X-Echo"] == "yes"
    assert response.headers["Set-Cookie"] == "seen=1; HttpOnly"
    sent = response.json()
    event = sent["event"]
    assert sent["function"] == "tctfmsg-local-web-echo"
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /hooks/{provider}"
    assert event["rawPath"] == "/hooks/resend"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"provider": "resend"}
    assert event["cookies"] == ["c1=x", "c2=y"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["content-type"] == "application/octet-stream"
    assert all(name == name.lower() for name in event["headers"])
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01binary"
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == "/hooks/resend"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["stage"] == "$default"
    assert context["routeKey"] == "POST /hooks/{provider}"


def test_a_json_body_arrives_as_text(web):
    response = requests.post(f"{web}/hooks/sendgrid", json={"a": 1}, timeout=TIMEOUT)
    event = response.json()["event"]
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"a": 1}


def test_a_bare_json_answer_is_a_200_json_body(web):
    response = requests.get(f"{web}/bare", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == [1, 2, 3]


def test_unknown_routes_and_methods_answer_404_and_run_nothing(web):
    for method, path in (("GET", "/nowhere"), ("DELETE", "/echo"), ("POST", "/hooks/a/b")):
        response = requests.request(method, web + path, timeout=TIMEOUT)
        assert response.status_code == 404
        assert response.json() == {"message": "Not Found"}


def test_a_function_that_raises_answers_500_without_its_details(web):
    response = requests.put(f"{web}/broken", timeout=TIMEOUT)
    assert response.status_code == 500
    assert "secret" not in response.text


def test_an_oversized_body_answers_413_before_the_function_runs(web):
    response = requests.post(
        f"{web}/hooks/resend", data=b"x" * (MAX_BODY_BYTES + 1), timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert requests.post(f"{web}/hooks/resend", data=b"x" * MAX_BODY_BYTES, timeout=TIMEOUT).ok


def test_a_page_of_another_origin_is_refused_and_the_gateways_own_is_served(web):
    foreign = requests.get(f"{web}/echo", headers={"Origin": "https://evil.test"}, timeout=TIMEOUT)
    assert foreign.status_code == 403
    assert requests.get(f"{web}/echo", headers={"Origin": web}, timeout=TIMEOUT).ok


def test_a_function_takes_one_request_at_a_time_as_a_lambda_instance_does(web):
    OVERLAP.clear()
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{web}/held", timeout=TIMEOUT), range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    assert OVERLAP.most == 1


def test_a_route_declared_twice_is_refused_at_start():
    twice = (*SPECS, FunctionSpec("other", "campaigns", "x:y", http_routes=("GET /echo",)))
    with pytest.raises(ValueError, match="declared by both"):
        HttpRouteTable(twice)


def test_the_unsubscribe_link_works_through_the_gateway(tmp_path, monkeypatch):
    people = Subscribers()
    people.add(Subscriber(email="ada@example.com", name="Ada", lists=frozenset({"news"})))
    root = SimpleNamespace(link_deps=LinkDeps(people, FixedClock(), lambda: KEY))
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    (spec,) = [f for f in resources.FUNCTIONS if f.logical == "campaign_unsubscribe"]
    for web in _running(tmp_path, (spec,)):
        link = unsubscribe_url(f"{web}/unsubscribe", KEY, "cmp-1", "ada@example.com")
        page = requests.get(link, timeout=TIMEOUT)
        assert page.status_code == 200 and "Unsubscribe?" in page.text
        assert people.people["ada@example.com"].status is SubscriberStatus.SUBSCRIBED
        done = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=TIMEOUT)
        assert done.status_code == 200 and "You are unsubscribed" in done.text
        assert people.people["ada@example.com"].status is SubscriberStatus.UNSUBSCRIBED
        forged = requests.post(link + "x", data={"List-Unsubscribe": "One-Click"}, timeout=TIMEOUT)
        assert forged.status_code == 400
