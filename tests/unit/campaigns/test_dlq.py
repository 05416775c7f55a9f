from __future__ import annotations

import pytest

from tctfmsg.campaigns.domain.delivery import DeliveryRequest, DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailureState
from tctfmsg.campaigns.services import campaigns, consumer, dlq
from tctfmsg.core.errors import InvalidInput, NotFound
from tests.unit.campaigns.conftest import World


def _dead(world: World, count: int) -> str:
    """A campaign whose every delivery failed transiently until SQS gave up on it."""
    world.seed(count)
    campaign = world.started()
    world.sender.down = True
    for i, request in enumerate(world.queue.take()):
        with pytest.raises(consumer.RetryLater):
            consumer.deliver(world.consumer, request, f"t{i}")
        dlq.record_dead(world.dlq, request.to_body(), f"m{i}", receives=6)
    world.sender.down = False
    return campaign.campaign_id


def test_a_dead_message_becomes_a_failed_item_and_a_failed_delivery(world: World) -> None:
    campaign_id = _dead(world, 2)

    stats = dlq.stats(world.dlq)

    assert (stats.open, stats.by_reason, stats.by_campaign) == (
        2,
        {"providers-unavailable": 2},
        {campaign_id: 2},
    )
    assert {d.status for d in world.ledger.list(campaign_id)} == {DeliveryStatus.FAILED}
    assert [f.attempts for f in world.failures.items.values()] == [1, 1]
    assert world.store.items[campaign_id].counters.failed == 2


def test_recording_the_same_dead_delivery_twice_keeps_one_item(world: World) -> None:
    campaign_id = _dead(world, 1)
    body = DeliveryRequest(campaign_id, "p00@example.com").to_body()

    dlq.record_dead(world.dlq, body, "m-again", receives=7)

    assert len(world.failures.items) == 1
    assert world.store.items[campaign_id].counters.failed == 1


def test_a_malformed_dead_message_is_kept_not_dropped(world: World) -> None:
    failed = dlq.record_dead(world.dlq, "{not json", "m-1", receives=6)

    assert (failed.reason, failed.body, failed.state) == (
        "malformed",
        "{not json",
        FailureState.OPEN,
    )
    assert dlq.retry(world.dlq, dlq.Selection(ids=[failed.failure_id])).not_retryable == [
        failed.failure_id
    ]


def test_retry_by_reason_requeues_each_once_and_completes_the_counts(world: World) -> None:
    campaign_id = _dead(world, 3)

    report = dlq.retry(world.dlq, dlq.Selection(reason="providers-unavailable"))
    outcomes = [consumer.deliver(world.consumer, r, "r") for r in world.queue.take()]

    assert len(report.retried) == 3 and outcomes == [consumer.Outcome.SENT] * 3
    counters = world.store.items[campaign_id].counters
    assert (counters.sent, counters.failed) == (3, 0)
    assert dlq.stats(world.dlq).open == 0


def test_retrying_a_delivery_that_is_already_sent_only_resolves_its_item(world: World) -> None:
    campaign_id = _dead(world, 1)
    dlq.retry(world.dlq, dlq.Selection(everything=True))
    consumer.deliver(world.consumer, world.queue.take()[0], "r")
    item = next(iter(world.failures.items))

    report = dlq.retry(world.dlq, dlq.Selection(ids=[item]))

    assert report.already_final == [item] and world.queue.messages == []
    assert len(world.sender.sent) == 1
    assert world.store.items[campaign_id].counters.sent == 1


def test_retry_of_a_cancelled_campaign_sends_nothing(world: World) -> None:
    world.seed(2)
    campaign = world.started()
    first, _second = world.queue.take()  # the second is still pending when the first dies
    world.sender.down = True
    with pytest.raises(consumer.RetryLater):
        consumer.deliver(world.consumer, first, "t")
    dlq.record_dead(world.dlq, first.to_body(), "m", receives=6)
    campaigns.cancel(world.deps, campaign.campaign_id)
    world.sender.down = False

    report = dlq.retry(world.dlq, dlq.Selection(everything=True))

    assert len(report.not_retryable) == 1 and world.queue.messages == []
    assert world.sender.sent == []


def test_resolve_accepts_the_failure(world: World) -> None:
    _dead(world, 1)
    item = next(iter(world.failures.items))

    dlq.resolve(world.dlq, [item])

    assert world.failures.items[item].state is FailureState.RESOLVED
    assert dlq.stats(world.dlq).open == 0
    with pytest.raises(NotFound, match="no failed message nope"):
        dlq.resolve(world.dlq, ["nope"])


@pytest.mark.parametrize(
    "selection",
    [
        dlq.Selection(),
        dlq.Selection(ids=["f-1"], everything=True),
        dlq.Selection(ids=["f"], reason="r"),
    ],
)
def test_retry_needs_exactly_one_way_of_choosing(world: World, selection: dlq.Selection) -> None:
    with pytest.raises(InvalidInput, match="say which failed messages"):
        dlq.retry(world.dlq, selection)
