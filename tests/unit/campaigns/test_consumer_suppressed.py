"""A campaign recipient on the suppression list is skipped as `suppressed`: the backbone
refuses before any provider, the consumer records why, and counts it skipped once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.services import consumer
from tctfmsg.campaigns.services.consumer import Outcome
from tctfmsg.email.message import EmailMessage, RecipientSuppressed, SendReceipt
from tests.unit.campaigns.conftest import World


class SuppressingSender:
    """The backbone as it answers a suppressed address: refused before `proceed` is asked."""

    def __init__(self, suppressed: set[str]) -> None:
        self.suppressed = suppressed
        self.sent: list[str] = []

    def send(
        self, message: EmailMessage, *, proceed: Callable[[], bool] | None = None
    ) -> SendReceipt:
        if message.to in self.suppressed:
            raise RecipientSuppressed(message.to, "bounced")
        assert proceed is not None and proceed()
        self.sent.append(message.to)
        return SendReceipt("ses", f"m-{len(self.sent)}")


def test_a_suppressed_recipient_is_skipped_as_suppressed_and_the_rest_are_sent(
    world: World,
) -> None:
    world.seed(2)
    campaign = world.started()
    sender = SuppressingSender({"p00@example.com"})
    deps = replace(world.consumer, sender=sender)

    outcomes = [consumer.deliver(deps, r, f"t{i}") for i, r in enumerate(world.queue.take())]

    assert sorted(outcomes) == sorted([Outcome.SKIPPED, Outcome.SENT])
    skipped = world.ledger.get(campaign.campaign_id, "p00@example.com")
    assert (skipped.status, skipped.reason) == (DeliveryStatus.SKIPPED, "suppressed")
    assert sender.sent == ["p01@example.com"]
    counters = world.store.get(campaign.campaign_id).counters
    assert (counters.sent, counters.skipped, counters.failed) == (1, 1, 0)


def test_a_redelivered_suppressed_message_is_counted_once(world: World) -> None:
    world.seed(1)
    campaign = world.started()
    deps = replace(world.consumer, sender=SuppressingSender({"p00@example.com"}))
    request = world.queue.take()[0]

    first = consumer.deliver(deps, request, "t1")
    again = consumer.deliver(deps, request, "t2")

    assert (first, again) == (Outcome.SKIPPED, Outcome.ALREADY_DONE)
    assert world.store.get(campaign.campaign_id).counters.skipped == 1
