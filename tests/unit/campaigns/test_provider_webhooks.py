"""The provider webhooks door, driven with API Gateway HTTP API (payload v2) events as the
public endpoint delivers them: a signed webhook's events are queued and answered 200; a
forged, tampered, stale or unsigned one is a 401 and a counted `WebhookRefused`; an oversized
one a 413. Nothing refused reaches the queue."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lambdas.campaigns import provider_webhooks as door
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services.provider_webhooks import MAX_BODY_BYTES, WebhookDeps
from tctfmsg.email.events import resend, sendgrid
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tests.support.campaign_memory import FixedClock
from tests.unit.campaigns_api.conftest import LambdaContext

EVENTS = Path(__file__).parents[2] / "events"


@dataclass
class MemoryEventQueue:
    events: list[ProviderEvent] = field(default_factory=list)

    def send(self, events: Sequence[ProviderEvent]) -> int:
        self.events.extend(events)
        return len(events)


@dataclass
class Hooks:
    clock: FixedClock
    queue: MemoryEventQueue
    resend_secret: str
    sendgrid_private: str
    refusals: list[tuple[str, str]]

    @property
    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def post(
        self, provider: str, body: bytes, headers: dict[str, str], *, as_base64: bool = False
    ) -> tuple[int, Any]:
        event = json.loads((EVENTS / "http_webhook_resend.json").read_text())
        path = f"/webhooks/{provider}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["routeKey"] = event["requestContext"]["routeKey"] = f"POST {path}"
        event["headers"] |= headers | {"content-length": str(len(body))}
        event["body"] = base64.b64encode(body).decode() if as_base64 else body.decode()
        event["isBase64Encoded"] = as_base64
        answer = door.handler(event, LambdaContext())  # type: ignore[arg-type]
        return answer["statusCode"], json.loads(answer["body"])

    def resend_headers(self, body: bytes, stamp: int | None = None) -> dict[str, str]:
        stamp = self.now if stamp is None else stamp
        return {
            "svix-id": "msg_2aQ",
            "svix-timestamp": str(stamp),
            "svix-signature": resend.sign(self.resend_secret, "msg_2aQ", stamp, body),
        }

    def sendgrid_headers(self, body: bytes) -> dict[str, str]:
        return {
            sendgrid.SIGNATURE: sendgrid.sign(self.sendgrid_private, self.now, body),
            sendgrid.TIMESTAMP: str(self.now),
        }


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Hooks:
    clock, queue = FixedClock(), MemoryEventQueue()
    private, public = sendgrid.new_key_pair()
    secret = resend.new_secret()
    refusals: list[tuple[str, str]] = []

    def webhook_deps(count_refusal: Any) -> WebhookDeps:
        def counted(provider: str, why: str) -> None:
            refusals.append((provider, why))
            count_refusal(provider, why)  # the door's metric as well

        return WebhookDeps(
            lambda: {"resend": secret, "sendgrid": public}, queue, clock, counted, 300
        )

    monkeypatch.setattr(bootstrap, "default", lambda: SimpleNamespace(webhook_deps=webhook_deps))
    return Hooks(clock, queue, secret, private, refusals)


def _body(name: str) -> bytes:
    return json.dumps(json.loads((EVENTS / name).read_text())).encode()


def test_a_signed_resend_bounce_is_queued_and_answered_200(hooks: Hooks) -> None:
    body = _body("resend/bounced.json")

    status, answer = hooks.post("resend", body, hooks.resend_headers(body))

    assert (status, answer) == (200, {"queued": 1})
    (event,) = hooks.queue.events
    assert (event.kind, event.recipient) == (EventKind.BOUNCED, "delivered@resend.dev")


def test_a_signed_sendgrid_batch_is_queued_even_base64_encoded(hooks: Hooks) -> None:
    body = _body("sendgrid/events.json")

    status, answer = hooks.post("sendgrid", body, hooks.sendgrid_headers(body), as_base64=True)

    assert (status, answer) == (200, {"queued": 6})


def test_forged_tampered_stale_and_unsigned_webhooks_are_refused_and_counted(
    hooks: Hooks, capsys: pytest.CaptureFixture[str]
) -> None:
    body = _body("resend/bounced.json")
    forged = dict(hooks.resend_headers(body), **{"svix-signature": "v1,Zm9yZ2Vk"})
    tampered = body.replace(b"delivered@", b"victim@")
    stale = hooks.resend_headers(body, stamp=hooks.now - 301)

    answers = [
        hooks.post("resend", body, forged),
        hooks.post("resend", tampered, hooks.resend_headers(body)),
        hooks.post("resend", body, stale),
        hooks.post("resend", body, {}),
        hooks.post("sendgrid", _body("sendgrid/events.json"), {}),
    ]

    assert [status for status, _ in answers] == [401] * 5
    assert {a["error"] for _, a in answers} == {"signature refused"}  # no hint for a forger
    assert hooks.queue.events == []
    assert len(hooks.refusals) == 5
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "{" in line]
    counted = [m["WebhookRefused"] for m in metrics if "WebhookRefused" in m]
    assert sum(sum(c) if isinstance(c, list) else c for c in counted) == 5


def test_a_provider_we_do_not_know_is_refused(hooks: Hooks) -> None:
    status, _ = hooks.post("mailchimp", b"{}", {})

    assert status == 401 and hooks.refusals == [
        ("mailchimp", "no verification key for this provider")
    ]


def test_an_oversized_body_is_refused_before_anything_is_verified(hooks: Hooks) -> None:
    body = b"[" + b" " * MAX_BODY_BYTES + b"]"

    status, _ = hooks.post("sendgrid", body, hooks.sendgrid_headers(body))

    assert status == 413 and hooks.queue.events == [] and hooks.refusals == []
