"""The notification API shares the campaign API's request checks: a malformed event or body is
a 4xx naming what was wrong, never a 500 (decision 0081)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.notification_world import Service
from tests.unit.communication_api.test_notification_handlers import EVENTS, Context, _svc

__all__ = ["_svc"]  # the fixture, shared


def _post(svc: Service, **changes: Any) -> tuple[int, dict[str, Any]]:
    from lambdas.communication import api

    event = json.loads((EVENTS / "api_create_campaign.json").read_text())
    event.update(path="/notifications", pathParameters={"proxy": "notifications"})
    event.update(changes)
    answer = api.handler(event, Context())  # type: ignore[arg-type]
    return answer["statusCode"], json.loads(answer["body"])


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"body": "%%%", "isBase64Encoded": True}, 400, "not valid base64"),
        (
            {"body": base64.b64encode(b'{"type": "\xff"}').decode(), "isBase64Encoded": True},
            400,
            "not UTF-8 text",
        ),
        ({"body": '{"type": "mfa_code", "user_id": "u", "data": {"code": NaN}}'}, 400, "JSON"),
        ({"body": "[" * 100_000}, 413, "over the 65,536-byte limit"),
        ({"body": "[" * 60_000}, 400, "not valid JSON"),
        ({"httpMethod": None}, 400, "no httpMethod"),
        ({"requestContext": {}}, 400, "no requestContext with a requestId"),
    ],
    ids=["base64", "non-utf8", "nan", "too-large", "deep", "no-method", "no-request-id"],
)
def test_a_hostile_request_is_a_4xx_and_nothing_is_queued(
    svc: Service, changes: dict[str, Any], status: int, says: str
) -> None:
    answered, body = _post(svc, **changes)

    assert answered == status
    assert says in body["error"]
    assert svc.queue.sent == []
