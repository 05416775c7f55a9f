from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tctfmsg.domain.campaign import CampaignStatus
from tctfmsg.domain.delivery import DeliveryStatus
from tctfmsg.domain.email import AllProvidersUnavailable
from tctfmsg.domain.subscriber import SubscriberStatus
from tctfmsg.services import campaigns, consumer
from tctfmsg.services.consumer import Outcome, RetryLater
from tests.unit.campaigns.conftest import World


def _deliver_all(world: World) -> list[Outcome]:
    return [consumer.deliver(world.consumer, r, f"t{i}") for i, r in enumerate(world.queue.take())]


def test_redelivered_message_is_not_sent_twice(world: World) -> None:
    world.seed(1)
    campaign = world.started()
    request = world.queue.take()[0]

    first = consumer.deliver(world.consumer, request, "t1")
    again = consumer.deliver(world.consumer, request, "t2")

    assert (first, again) == (Outcome.SENT, Outcome.ALREADY_DONE)
    assert len(world.sender.sent) == 1
    assert world.store.items[campaign.campaign_id].status is CampaignStatus.COMPLETED


def test_a_message_arriving_while_another_consumer_holds_the_claim_comes_back_later(
    world: World,
) -> None:
    world.seed(1)
    world.started()
    request = world.queue.take()[0]
    later = world.clock.now() + timedelta(minutes=2)
    world.ledger.claim(request.campaign_id, request.email_key, "busy", later, world.clock.now())

    with pytest.raises(RetryLater):
        consumer.deliver(world.consumer, request, "t2")

    assert world.sender.sent == []


def test_a_render_error_fails_the_delivery_without_retry(world: World) -> None:
    world.seed(1)
    campaign = world.started()
    world.store.items[campaign.campaign_id] = replace(campaign, template="gone")

    assert _deliver_all(world) == [Outcome.FAILED]

    delivery = world.ledger.get(campaign.campaign_id, "p00@example.com")
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.reason.startswith("render-error")
    assert world.sender.sent == []


def test_transient_failure_releases_the_claim_for_a_retry(world: World) -> None:
    world.seed(1)
    campaign = world.started()
    request = world.queue.take()[0]
    world.sender.fail_next = 1

    with pytest.raises(RetryLater):
        consumer.deliver(world.consumer, request, "t1")
    delivery = world.ledger.get(campaign.campaign_id, "p00@example.com")
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.reason.startswith("providers-unavailable")

    assert consumer.deliver(world.consumer, request, "t2") is Outcome.SENT
    assert len(world.sender.sent) == 1


def test_an_uncertain_provider_timeout_is_not_retried_but_kept_for_an_operator(
    world: World,
) -> None:
    world.seed(1)
    campaign = world.started()

    class Uncertain:
        def send(self, message: object) -> object:
            raise AllProvidersUnavailable(("ses: timeout",), uncertain=("ses",))

    deps = replace(world.consumer, sender=Uncertain())
    outcome = consumer.deliver(deps, world.queue.take()[0], "t1")

    assert outcome is Outcome.INTERRUPTED
    assert world.ledger.get(campaign.campaign_id, "p00@example.com").status is (
        DeliveryStatus.FAILED
    )
    assert [f.reason for f in world.failures.items.values()] == ["interrupted"]


def test_paused_campaign_leaves_the_delivery_pending(world: World) -> None:
    world.seed(2)
    campaign = world.started()
    campaigns.pause(world.deps, campaign.campaign_id)

    assert _deliver_all(world) == [Outcome.HELD, Outcome.HELD]

    assert {d.status for d in world.ledger.list(campaign.campaign_id)} == {DeliveryStatus.PENDING}
    campaigns.resume(world.deps, campaign.campaign_id)
    assert _deliver_all(world) == [Outcome.SENT, Outcome.SENT]
    assert world.store.items[campaign.campaign_id].status is CampaignStatus.COMPLETED


def test_after_cancel_nothing_is_sent(world: World) -> None:
    world.seed(3)
    campaign = world.started()
    campaigns.cancel(world.deps, campaign.campaign_id)

    assert _deliver_all(world) == [Outcome.CANCELLED] * 3

    assert world.sender.sent == []
    assert world.store.items[campaign.campaign_id].counters.cancelled == 3


def test_a_subscriber_who_unsubscribed_after_fan_out_is_skipped(world: World) -> None:
    world.seed(1)
    campaign = world.started()
    person = world.people.people["p00@example.com"]
    world.people.add(replace(person, status=SubscriberStatus.UNSUBSCRIBED))

    assert _deliver_all(world) == [Outcome.SKIPPED]
    assert world.sender.sent == []
    assert world.store.items[campaign.campaign_id].counters.skipped == 1


def test_message_carries_unsubscribe_link_and_idempotency_key(world: World) -> None:
    world.seed(1)
    campaign = world.started()

    _deliver_all(world)

    message = world.sender.sent[0]
    assert message.headers["List-Unsubscribe"] == f"<u:{campaign.campaign_id}:p00@example.com>"
    assert message.idempotency_key == f"campaign/{campaign.campaign_id}/p00@example.com"
