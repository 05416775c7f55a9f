"""Every error becomes one status and a JSON {"error", "hint"} body; nothing leaks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import BaseModel

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus
from tctfmsg.core.errors import ConfigurationError, Throttled
from tests.support.campaign_memory import MemoryCampaigns

from .conftest import CAMPAIGN_ID, World


def test_unknown_campaign_is_404_with_a_hint(world: World) -> None:
    answer = world.call("api_get_campaign")

    assert answer.status == 404
    assert answer.body == {
        "error": f"no campaign {CAMPAIGN_ID}",
        "hint": "list them with `tctfmsg campaign list`",
    }


def test_an_illegal_lifecycle_move_is_409_and_says_which_moves_are_allowed(
    world: World,
) -> None:
    world.campaign(CampaignStatus.DRAFT)

    answer = world.call("api_pause_campaign")

    assert answer.status == 409
    assert answer.body == {
        "error": f"campaign {CAMPAIGN_ID} is draft and cannot become paused",
        "hint": "from draft it can become scheduled, cancelled",
    }


def test_a_move_on_a_final_campaign_is_409(world: World) -> None:
    world.campaign(CampaignStatus.COMPLETED)

    answer = world.call("api_resume_campaign")

    assert answer.status == 409
    assert answer.body["hint"] == "a completed campaign is final"


@dataclass
class _ThrottledCampaigns(MemoryCampaigns):
    def get(self, campaign_id: str) -> Campaign | None:
        raise Throttled("DynamoDB is throttling reads", "run the command again")


def test_throttling_is_503_with_retry_after(world: World) -> None:
    world.use_campaign_store(_ThrottledCampaigns())

    answer = world.call("api_get_campaign")

    assert answer.status == 503
    assert answer.body == {
        "error": "DynamoDB is throttling reads",
        "hint": "run the command again",
    }
    assert int(answer.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"at": "2029-12-31T09:00:00Z"}, "send time 2029-12-31T09:00:00+00:00 is in the past"),
        ({"at": "2030-01-02T09:00:00"}, "send time 2030-01-02T09:00:00 has no time zone"),
        ({"at": "next tuesday"}, "invalid request body: at: Input should be a valid datetime"),
        ({}, "invalid request body: at: Field required"),
    ],
    ids=["past", "no-zone", "not-a-time", "missing"],
)
def test_schedule_with_a_bad_time_is_400(world: World, body, message: str) -> None:
    world.campaign()

    answer = world.call("api_schedule_campaign", body=body)

    assert answer.status == 400
    assert answer.body["error"].startswith(message)
    stored = world.store.get(CAMPAIGN_ID)
    assert stored is not None and stored.status is CampaignStatus.DRAFT


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"name": "n", "subject": "s", "list": "news"},
            "invalid request body: template: Field required",
        ),
        (
            {"name": "n", "subject": "s", "template": "t", "list": "news", "colour": "red"},
            "invalid request body: colour: Extra inputs are not permitted",
        ),
        (
            {"name": "n", "subject": "s", "template": "t", "list": "news", "filter": ["a"]},
            "invalid request body: filter: Input should be an object",
        ),
        (
            {"name": " ", "subject": "s", "template": "t", "list": "news"},
            "a campaign needs a name",
        ),
        (
            {"name": "n", "subject": "s", "template": "t", "list": "news", "sender": "nobody"},
            "invalid sender 'nobody': not exactly one address (it does not parse as one)",
        ),
    ],
    ids=["missing-field", "unknown-field", "wrong-type", "blank-name", "bad-sender"],
)
def test_create_with_a_bad_body_is_400_and_stores_nothing(world: World, body, message) -> None:
    answer = world.call("api_create_campaign", body=body)

    assert answer.status == 400
    assert answer.body["error"] == message
    assert set(answer.body) == {"error", "hint"}
    assert world.store.items == {}


def test_a_body_that_is_not_json_is_400(world: World) -> None:
    answer = world.call("api_create_campaign", raw_body="{name: spring")

    assert answer.status == 400
    assert answer.body == {"error": "the request body is not valid JSON", "hint": None}


def test_an_unknown_status_filter_is_400_naming_the_statuses(world: World) -> None:
    answer = world.call("api_list_campaigns", query={"status": "sent"})

    assert answer.status == 400
    assert answer.body["error"] == "unknown status 'sent'"
    assert answer.body["hint"] == (
        "use one of draft, scheduled, sending, paused, completed, cancelled"
    )


def test_an_unknown_route_is_a_json_404(world: World) -> None:
    answer = world.call("api_get_campaign", path="/campaigns/c-1/history")

    assert answer.status == 404
    assert answer.body["error"] == "no route GET /campaigns/c-1/history"


def test_a_known_path_with_the_wrong_method_is_a_json_404(world: World) -> None:
    answer = world.call("api_get_campaign", method="DELETE")

    assert answer.status == 404
    assert answer.body["error"] == f"no route DELETE /campaigns/{CAMPAIGN_ID}"


def test_an_unexpected_error_is_500_without_a_traceback(world: World) -> None:
    class Broken(MemoryCampaigns):
        def get(self, campaign_id: str) -> Campaign | None:
            raise KeyError("secret internals: table tctfmsg-test-campaigns column xyz")

    world.use_campaign_store(Broken())

    answer = world.call("api_get_campaign")

    assert answer.status == 500
    assert answer.body["error"] == "internal error"
    assert "7d3f2c9e-5b1a-4e8f-9c0d-000000000002" in answer.body["hint"]  # the request id
    text = str(answer.body)
    assert "Traceback" not in text and "secret internals" not in text


def test_a_configuration_error_is_500_with_its_message(world: World) -> None:
    class Unconfigured(MemoryCampaigns):
        def get(self, campaign_id: str) -> Campaign | None:
            raise ConfigurationError("queue tctfmsg-test-delivery does not exist", "deploy it")

    world.use_campaign_store(Unconfigured())

    answer = world.call("api_get_campaign")

    assert answer.status == 500
    assert answer.body == {
        "error": "queue tctfmsg-test-delivery does not exist",
        "hint": "deploy it",
    }


def test_a_validation_error_from_inside_a_service_is_not_blamed_on_the_body(
    world: World,
) -> None:
    class Strict(BaseModel):
        count: int

    class Corrupt(MemoryCampaigns):
        def get(self, campaign_id: str) -> Campaign | None:
            Strict.model_validate({"count": "many"})  # a stored record that no longer parses
            return None

    world.use_campaign_store(Corrupt())

    answer = world.call("api_get_campaign")

    assert answer.status == 500
    assert answer.body["error"] == "internal error"
