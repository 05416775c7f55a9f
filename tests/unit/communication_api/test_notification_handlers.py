"""The communication service's Lambda doors over in-memory ports: the notification API (REST as
API Gateway sends it, and direct invoke), the worker and the dead-letter monitor on SQS events
as AWS sends them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lambdas.communication import api, dlq_monitor, worker
from tctfmsg.communication import bootstrap
from tctfmsg.communication.domain.notification import NotificationStatus
from tests.support.notification_world import Service, world

EVENTS = Path(__file__).resolve().parents[2] / "events"
RESET = {"reset_url": "https://app.example/reset/1"}


@dataclass(frozen=True)
class Context:
    function_name: str = "tctfmsg-test-notification-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture(name="svc")
def _svc(monkeypatch: pytest.MonkeyPatch) -> Service:
    service = world()
    root = SimpleNamespace(
        users=service.users,
        accept_deps=service.accept_deps,
        worker_deps=service.worker_deps,
        record_deps=service.record_deps,
    )
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    return service


def _rest(method: str, path: str, body: Any = None, raw: str | None = None) -> tuple[int, Any]:
    event = json.loads((EVENTS / "api_create_campaign.json").read_text())
    event.update(httpMethod=method, path=path, pathParameters={"proxy": path.lstrip("/")})
    event["body"] = raw if raw is not None else (json.dumps(body) if body is not None else None)
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    answer = api.handler(event, Context())  # type: ignore[arg-type]
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None


def test_post_accepts_a_notification_with_202_and_its_id(svc: Service) -> None:
    status, body = _rest(
        "POST", "/notifications", {"type": "password_reset", "user_id": "u-ada", "data": RESET}
    )

    assert status == 202 and body["status"] == "queued"
    assert svc.queue.sent == [(body["notification_id"], 0)]


def test_post_with_a_repeated_key_answers_200_with_the_same_id(svc: Service) -> None:
    request = {"type": "password_reset", "user_id": "u-ada", "data": RESET, "idempotency_key": "k"}
    _, first = _rest("POST", "/notifications", request)

    status, again = _rest("POST", "/notifications", request)
    conflict, error = _rest("POST", "/notifications", {**request, "data": {"reset_url": "x"}})

    assert (status, again["notification_id"]) == (200, first["notification_id"])
    assert conflict == 409 and "different request" in error["error"]
    # one notification; a repeat of one still queued only asks for it again (harmless: every
    # channel is claimed once)
    assert {nid for nid, _ in svc.queue.sent} == {first["notification_id"]}


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "password_reset", "user_id": "u-ada"}', "password_reset needs reset_url"),
        (
            '{"type": "password_reset", "user_id": "u-ada", "data": {"reset_url": 5.5e400}}',
            "finite",
        ),
        ("x" * (70 * 1024), "over the 65,536-byte limit"),
        ('{"type": "nosuch", "user_id": "u-ada"}', "no notification type"),
    ],
)
def test_a_bad_body_is_a_4xx_naming_what_is_wrong(svc: Service, raw: str, complaint: str) -> None:
    status, body = _rest("POST", "/notifications", raw=raw)

    assert 400 <= status < 500 and complaint in body["error"]
    assert svc.queue.sent == []


def test_get_shows_a_notification_with_its_attempts(svc: Service) -> None:
    _, accepted = _rest(
        "POST", "/notifications", {"type": "mfa_code", "user_id": "u-ada", "data": {"code": "1"}}
    )
    _run_worker(svc, [accepted["notification_id"]])

    status, shown = _rest("GET", f"/notifications/{accepted['notification_id']}")

    assert status == 200 and (shown["status"], shown["channel"]) == ("sent", "sms")
    assert [a["outcome"] for a in shown["attempts"]] == ["sent"]


def test_a_direct_invoke_sends_like_the_api(svc: Service) -> None:
    answer = api.handler(
        {"type": "mfa_code", "user_id": "u-ada", "data": {"code": "123"}},
        Context(),  # type: ignore[arg-type]
    )
    refused = api.handler({"type": "mfa_code", "user_id": "u-ada"}, Context())  # type: ignore[arg-type]

    assert answer["status_code"] == 202 and answer["status"] == "queued"
    assert refused["status_code"] == 400 and "needs code" in refused["error"]


def test_the_worker_takes_the_sqs_event_aws_sends_and_reports_failures_by_message_id(
    svc: Service,
) -> None:
    sent = [_accept(svc, "mfa_code", {"code": "1"}), _accept(svc, "mfa_code", {"code": "2"})]
    svc.channels["sms"].mode = "down"

    result = _run_worker(svc, sent)

    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["m-0", "m-1"]
    svc.channels["sms"].mode = "up"
    assert _run_worker(svc, sent) == {"batchItemFailures": []}
    assert len(svc.channels["sms"].sent) == 2


def test_the_dead_letter_monitor_marks_the_notification_failed_and_open(svc: Service) -> None:
    nid = _accept(svc, "mfa_code", {"code": "1"})

    result = dlq_monitor.handler(_sqs_event([nid], receives=5), Context())  # type: ignore[arg-type]

    dead = svc.notifications.get(nid)
    assert result == {"batchItemFailures": []}
    assert dead is not None and dead.status == NotificationStatus.FAILED
    assert dead.dead_letter == "open" and "after 5 receives" in (dead.reason or "")


def test_a_user_is_registered_shown_and_deleted_through_the_api(svc: Service) -> None:
    status, stored = _rest(
        "PUT", "/users/u-new", {"email": "new@example.com", "phone": "+447700900999"}
    )
    shown = _rest("GET", "/users/u-new")
    gone = _rest("DELETE", "/users/u-new")

    assert status == 200 and stored["email"] == "new@example.com"
    assert shown == (200, stored)
    assert gone == (200, {"deleted": "u-new"}) and _rest("GET", "/users/u-new")[0] == 404


@pytest.mark.parametrize(
    "body",
    [{"email": 1}, {"push_tokens": "one"}, {"push_tokens": [1]}, {"admin": True}, ["x"]],
)
def test_a_user_body_of_the_wrong_shape_is_a_400(svc: Service, body: Any) -> None:
    status, error = _rest("PUT", "/users/u-new", body)

    assert status == 400 and error["error"]
    assert svc.users.get("u-new") is None


def _accept(svc: Service, type_: str, data: dict[str, Any]) -> str:
    answer = api.handler({"type": type_, "user_id": "u-ada", "data": data}, Context())  # type: ignore[arg-type]
    return str(answer["notification_id"])


def _run_worker(svc: Service, ids: list[str]) -> Any:
    return worker.handler(_sqs_event(ids), Context())  # type: ignore[arg-type]


def _sqs_event(ids: list[str], receives: int = 1) -> dict[str, Any]:
    aws = json.loads((EVENTS / "sqs_receive_message.json").read_text())["Records"][0]
    records = []
    for i, nid in enumerate(ids):
        record = json.loads(json.dumps(aws))
        record["messageId"] = f"m-{i}"
        record["body"] = json.dumps({"notification_id": nid})
        record["attributes"]["ApproximateReceiveCount"] = str(receives)
        records.append(record)
    return {"Records": records}
