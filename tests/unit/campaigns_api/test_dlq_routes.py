"""Dead-letter routes: stats, list, retry (by ids, campaign, reason or all) and resolve."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tests.support.campaign_memory import record

from .conftest import CAMPAIGN_ID, World

FAILED_AT = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def _dead(world: World, key: str, reason: str = "dead-lettered", campaign_id: str = CAMPAIGN_ID):
    """A delivery that died in the DLQ, as the DLQ monitor leaves it."""
    record(
        world.ledger,
        [Delivery(campaign_id, key, DeliveryStatus.FAILED, attempts=5, reason=f"{reason}: x")],
    )
    failed = FailedMessage(
        f"f-{key[:1]}{campaign_id[-4:]}", campaign_id, key, reason, "x", 5, "{}", FAILED_AT
    )
    world.failures.record(failed)
    return failed


def test_stats_count_open_failures_by_reason_and_campaign(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    _dead(world, "a@example.com")
    _dead(world, "b@example.com", reason="providers-unavailable")

    answer = world.call("api_dlq_stats")

    assert answer.status == 200
    assert answer.body == {
        "open": 2,
        "by_reason": {"dead-lettered": 1, "providers-unavailable": 1},
        "by_campaign": {CAMPAIGN_ID: 2},
        "retried": 0,
        "resolved": 0,
    }


def test_list_returns_the_open_failures_of_the_campaign(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    world.campaign(CampaignStatus.SENDING, "c-other")
    mine = _dead(world, "a@example.com")
    _dead(world, "b@example.com", campaign_id="c-other")

    answer = world.call("api_dlq_list")

    assert answer.status == 200
    assert [f["failure_id"] for f in answer.body["failed_messages"]] == [mine.failure_id]
    assert answer.body["failed_messages"][0]["state"] == "open"
    assert answer.body["failed_messages"][0]["failed_at"] == FAILED_AT.isoformat()


def test_list_with_state_all_includes_resolved_ones(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    failed = _dead(world, "a@example.com")
    world.failures.set_state(failed.failure_id, FailureState.RESOLVED, FAILED_AT)

    open_only = world.call("api_dlq_list", query={})
    everything = world.call("api_dlq_list", query={"state": "all"})

    assert open_only.body["failed_messages"] == []
    assert [f["state"] for f in everything.body["failed_messages"]] == ["resolved"]


@pytest.mark.parametrize(
    "selection",
    [
        pytest.param("ids", id="one"),
        pytest.param({"campaign_id": CAMPAIGN_ID}, id="by-campaign"),
        pytest.param({"reason": "dead-lettered"}, id="by-reason"),
        pytest.param({"all": True}, id="all"),
    ],
)
def test_retry_queues_each_selected_delivery_once_more(world: World, selection) -> None:
    world.campaign(CampaignStatus.SENDING)
    failed = _dead(world, "a@example.com")
    body = {"ids": [failed.failure_id]} if selection == "ids" else selection

    answer = world.call("api_dlq_retry", body=body)

    assert answer.status == 200
    assert answer.body == {
        "retried": [failed.failure_id],
        "already_final": [],
        "not_retryable": [],
        "left_uncertain": [],
    }
    assert [m.email_key for m in world.queue.messages] == ["a@example.com"]
    delivery = world.ledger.get(CAMPAIGN_ID, "a@example.com")
    assert delivery is not None and delivery.status is DeliveryStatus.PENDING
    stored = world.failures.get(failed.failure_id)
    assert stored is not None and stored.state is FailureState.RETRIED


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": ["f-1"], "all": True}, {"campaign_id": CAMPAIGN_ID, "all": True}],
    ids=["nothing", "ids-and-all", "campaign-and-all"],
)
def test_retry_needs_exactly_one_selection(world: World, body) -> None:
    answer = world.call("api_dlq_retry", body=body)

    assert answer.status == 400
    assert answer.body["error"] == (
        "invalid request body: give exactly one of: ids, campaign_id and/or reason, or all=true"
    )
    assert world.queue.messages == []


def test_resolve_accepts_the_failures_as_final(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    failed = _dead(world, "a@example.com")

    answer = world.call("api_dlq_resolve", body={"ids": [failed.failure_id]})

    assert answer.status == 200
    assert answer.body == {"resolved": [failed.failure_id]}
    stored = world.failures.get(failed.failure_id)
    assert stored is not None and stored.state is FailureState.RESOLVED
    delivery = world.ledger.get(CAMPAIGN_ID, "a@example.com")
    assert delivery is not None and delivery.status is DeliveryStatus.FAILED


def test_resolve_of_an_unknown_failure_is_404(world: World) -> None:
    answer = world.call("api_dlq_resolve")

    assert answer.status == 404
    assert answer.body["error"] == "no failed message f-00aa11bb22cc33dd"


def test_resolve_without_ids_is_400(world: World) -> None:
    answer = world.call("api_dlq_resolve", body={"ids": []})

    assert answer.status == 400
    assert answer.body["error"].startswith("invalid request body: ids:")
