"""Counters that add up, and no send after `campaign pause` returns (decision 0076)."""

from __future__ import annotations

from dataclasses import replace

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.services import campaigns, consumer
from tctfmsg.campaigns.services.batch_view import read_batch
from tctfmsg.campaigns.services.consumer import Outcome
from tests.unit.campaigns.conftest import World


def test_a_consumer_that_read_the_campaign_before_the_pause_sends_nothing_after_it(
    world: World,
) -> None:
    world.seed(3)
    campaign = world.started()
    requests = world.queue.take()
    view = read_batch(world.store, world.people, requests)  # read while still SENDING

    campaigns.pause(world.deps, campaign.campaign_id)
    outcomes = [consumer.deliver(world.consumer, r, f"t{i}", batch=view) for i, r in
                enumerate(requests)]  # fmt: skip

    assert outcomes == [Outcome.HELD] * 3
    assert world.sender.sent == []
    assert world.ledger.count_by_status(campaign.campaign_id)[DeliveryStatus.PENDING] == 3


def test_pause_returns_only_once_sends_already_claimed_have_settled(world: World) -> None:
    world.seed(2)
    campaign = world.started()
    request = world.queue.take()[0]
    now = world.clock.now()
    held = world.ledger.claim(campaign.campaign_id, request.email_key, "in-flight", now, now)
    assert held is not None
    waits: list[float] = []

    def in_flight_send_finishes(seconds: float) -> None:
        waits.append(seconds)
        world.ledger.finish(
            campaign.campaign_id, request.email_key, "in-flight", DeliveryStatus.SENT, now
        )

    deps = replace(world.deps, wait=in_flight_send_finishes)
    paused = campaigns.pause(deps, campaign.campaign_id)

    assert paused.status is CampaignStatus.PAUSED
    assert len(waits) == 1
    assert world.ledger.get(campaign.campaign_id, request.email_key).status is (DeliveryStatus.SENT)


def test_resume_counts_what_it_enqueues_again_apart_so_queued_never_exceeds_targeted(
    world: World,
) -> None:
    world.seed(5)
    campaign = world.started()
    world.queue.take()
    campaigns.pause(world.deps, campaign.campaign_id)

    resumed = campaigns.resume(world.deps, campaign.campaign_id)

    assert resumed.counters.targeted == resumed.counters.queued == 5
    assert resumed.counters.requeued == 5
    assert len(world.queue.messages) == 5
