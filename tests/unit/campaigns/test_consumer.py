from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import SubscriberStatus
from tctfmsg.campaigns.services import campaigns, consumer
from tctfmsg.campaigns.services.batch_view import BatchView
from tctfmsg.campaigns.services.consumer import Outcome, RetryLater
from tctfmsg.email.message import AllProvidersUnavailable
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
    world.consumer.renderer.required = ("plan",)  # type: ignore[attr-defined]

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
        def send(self, message: object, proceed: Any = None) -> object:
            assert proceed is not None and proceed()  # the backbone claims before asking SES
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


class _PausesWhileWaiting:
    """A sender whose rate slot comes round only after the operator has acted."""

    def __init__(self, world: World, act: str) -> None:
        self.world, self.act = world, act

    def send(self, message: object, *, proceed: object = None) -> object:
        campaign_id = next(iter(self.world.store.items))
        getattr(campaigns, self.act)(self.world.deps, campaign_id)
        return self.world.sender.send(message, proceed=proceed)  # type: ignore[arg-type]


def test_a_pause_while_a_send_waits_for_its_rate_slot_sends_nothing_and_resume_sends_it(
    world: World,
) -> None:
    world.seed(1)
    campaign = world.started()
    deps = replace(world.consumer, sender=_PausesWhileWaiting(world, "pause"))

    assert consumer.deliver(deps, world.queue.take()[0], "t1") is Outcome.HELD

    assert world.sender.sent == []
    [delivery] = world.ledger.list(campaign.campaign_id)
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 0  # never claimed
    campaigns.resume(world.deps, campaign.campaign_id)
    assert _deliver_all(world) == [Outcome.SENT]
    assert [m.to for m in world.sender.sent] == ["p00@example.com"]


def test_a_cancel_while_a_send_waits_for_its_rate_slot_cancels_the_delivery(
    world: World,
) -> None:
    world.seed(1)
    campaign = world.started()
    deps = replace(world.consumer, sender=_PausesWhileWaiting(world, "cancel"))

    assert consumer.deliver(deps, world.queue.take()[0], "t1") is Outcome.CANCELLED

    assert world.sender.sent == []
    assert world.ledger.get(campaign.campaign_id, "p00@example.com").status is (
        DeliveryStatus.CANCELLED
    )
    assert world.store.items[campaign.campaign_id].counters.cancelled == 1


def test_a_batch_reads_its_campaign_again_once_its_copy_is_older_than_max_age(
    world: World,
) -> None:
    world.seed(1)
    campaign = world.started()
    now = [100.0]
    batch = BatchView(
        {campaign.campaign_id: campaign}, {}, frozenset(), max_age_s=1.0, monotonic=lambda: now[0]
    )
    campaigns.pause(world.deps, campaign.campaign_id)

    store = world.consumer.campaigns
    assert batch.campaign(store, campaign.campaign_id).status is CampaignStatus.SENDING
    now[0] += 1.5
    assert batch.campaign(store, campaign.campaign_id).status is CampaignStatus.PAUSED


def test_a_delivery_is_claimed_only_when_its_turn_to_send_comes(world: World) -> None:
    world.seed(1)
    campaign = world.started()
    seen: list[DeliveryStatus] = []

    class Observing:
        def send(self, message: object, proceed: Any = None) -> object:
            record = world.ledger.get(campaign.campaign_id, "p00@example.com")
            seen.append(record.status)  # type: ignore[union-attr]  # while it waits its turn
            assert proceed()
            seen.append(world.ledger.get(campaign.campaign_id, "p00@example.com").status)
            return world.sender.send(message)  # type: ignore[arg-type]

    deps = replace(world.consumer, sender=Observing())
    assert consumer.deliver(deps, world.queue.take()[0], "t1") is Outcome.SENT

    assert seen == [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    assert world.ledger.get(campaign.campaign_id, "p00@example.com").status is DeliveryStatus.SENT


def test_when_no_provider_can_be_asked_nothing_is_claimed_and_the_message_comes_back(
    world: World,
) -> None:
    world.seed(1)
    campaign = world.started()

    class BreakersOpen:
        def send(self, message: object, proceed: Any = None) -> object:
            raise AllProvidersUnavailable(("ses: breaker open", "resend: breaker open"))

    with pytest.raises(RetryLater):
        consumer.deliver(
            replace(world.consumer, sender=BreakersOpen()), world.queue.take()[0], "t1"
        )

    record = world.ledger.get(campaign.campaign_id, "p00@example.com")
    assert record is not None and record.status is DeliveryStatus.PENDING and record.attempts == 0
