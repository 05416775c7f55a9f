"""The campaign API handler end to end on moto: the real composition root, the real DynamoDB
adapters, API Gateway proxy events from tests/events."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambdas.campaigns import api
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.core import resources, settings
from tctfmsg.core.clients import Clients

EVENTS = Path(__file__).resolve().parents[2] / "events"
STAGE = "test"  # the stage the `provisioned` fixture creates


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "tctfmsg-test-campaign-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:tctfmsg-test-campaign-api"
    )
    aws_request_id: str = "0f6c2a9e-1d3b-4c5e-8f7a-9b0c1d2e3f40"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def runtime(provisioned: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Runtime:
    # As in Lambda: resource names from the stage, not from stack outputs.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tctfmsg-test-campaign-api")
    root = Runtime(Clients(settings.load(target="aws", stage=STAGE, region="us-east-1")))
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    # What a campaign is checked against before it is created (decision 0076): a list with a
    # member its filter matches, and a sender SES has verified.
    pro = Subscriber("ada@example.com", "Ada", attributes={"plan": "pro"})
    root.subscribers.save_many([pro], [("news", pro.key)])
    root.clients.client("ses").verify_domain_identity(Domain="example.com")
    return root


def _call(
    name: str,
    campaign_id: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    if headers:
        event["headers"] = {**event["headers"], **headers}
        event["multiValueHeaders"] = {
            **event["multiValueHeaders"],
            **{k: [v] for k, v in headers.items()},
        }
    if body is not None:
        event["body"] = json.dumps(body)
    if campaign_id is not None:
        event["path"] = event["path"].replace("c-0123456789ab", campaign_id)
        event["pathParameters"] = {"proxy": event["path"].lstrip("/")}
    response = api.handler(event, LambdaContext())  # type: ignore[arg-type]
    return response["statusCode"], json.loads(response["body"])


def test_create_get_schedule_through_the_handler_lands_in_dynamodb(
    runtime: Runtime, provisioned: dict[str, Any]
) -> None:
    created_status, created = _call("api_create_campaign")
    campaign_id = created["campaign_id"]
    got_status, got = _call("api_get_campaign", campaign_id)
    scheduled_status, scheduled = _call("api_schedule_campaign", campaign_id)

    assert (created_status, created["status"]) == (201, "draft")
    assert (got_status, got) == (200, created)
    assert (scheduled_status, scheduled["status"]) == (200, "scheduled")
    assert scheduled["send_at"] == "2030-01-02T09:00:00+00:00"
    item = provisioned["dynamodb"].get_item(
        TableName=resources.table("campaigns").physical_name(STAGE),
        Key={"campaign_id": {"S": campaign_id}},
    )["Item"]
    assert item["status"] == {"S": "scheduled"}
    assert item["send_at"]["S"].startswith("2030-01-02T09:00:00")


def test_a_second_schedule_of_a_campaign_moved_on_is_409(runtime: Runtime) -> None:
    _, created = _call("api_create_campaign")
    campaign_id = created["campaign_id"]
    _call("api_cancel_campaign", campaign_id)

    status, body = _call("api_schedule_campaign", campaign_id)

    assert status == 409
    assert body == {
        "error": f"campaign {campaign_id} is cancelled and cannot become scheduled",
        "hint": "a cancelled campaign is final",
    }


def test_an_unknown_campaign_is_404_from_the_real_store(runtime: Runtime) -> None:
    status, body = _call("api_get_campaign", "c-doesnotexist")

    assert status == 404
    assert body["error"] == "no campaign c-doesnotexist"


def _scan(provisioned: dict[str, Any], logical: str) -> list[dict[str, Any]]:
    table = resources.table(logical).physical_name(STAGE)
    return list(provisioned["dynamodb"].scan(TableName=table)["Items"])


def test_the_same_idempotency_key_twice_creates_one_campaign_with_one_id(
    runtime: Runtime, provisioned: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "0d5c3b8e-create-spring"}
    before = time.time()

    first_status, first = _call("api_create_campaign", headers=key)
    again_status, again = _call("api_create_campaign", headers=key)

    assert (first_status, again_status) == (201, 201)
    assert again["campaign_id"] == first["campaign_id"]
    assert [c["campaign_id"]["S"] for c in _scan(provisioned, "campaigns")] == [
        first["campaign_id"]
    ]
    (record,) = _scan(provisioned, "idempotency")
    assert record["status"] == {"S": "COMPLETED"}
    assert int(record["expiration"]["N"]) >= int(before) + 24 * 3600


def test_the_same_idempotency_key_with_another_body_is_refused(
    runtime: Runtime, provisioned: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "0d5c3b8e-create-spring"}
    _, first = _call("api_create_campaign", headers=key)
    other = json.loads((EVENTS / "api_create_campaign.json").read_text())["body"]
    other = json.loads(other) | {"subject": "Something else"}

    status, refused = _call("api_create_campaign", headers=key, body=other)

    assert status == 409
    assert "already used to create a different campaign" in refused["error"]
    stored = [c["campaign_id"]["S"] for c in _scan(provisioned, "campaigns")]
    assert stored == [first["campaign_id"]]
