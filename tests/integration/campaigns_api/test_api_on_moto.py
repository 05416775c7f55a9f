"""The campaign API handler end to end on moto: the real composition root, the real DynamoDB
adapters, API Gateway proxy events from tests/events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambdas.campaigns import api
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
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


@pytest.fixture
def runtime(provisioned: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Runtime:
    # As in Lambda: resource names from the stage, not from stack outputs.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tctfmsg-test-campaign-api")
    root = Runtime(Clients(settings.load(target="aws", stage=STAGE, region="us-east-1")))
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    return root


def _call(name: str, campaign_id: str | None = None) -> tuple[int, dict[str, Any]]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
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
