"""Every counted outcome stamps the campaign's progress in the same write, and a sending campaign
with recipients left stalls when no outcome is counted for the limit, whatever its queue holds
(decision 0093)."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from lambdas.campaigns import scheduler as door
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.services import campaign_guard, campaigns, consumer, scheduler
from tctfmsg.campaigns.services.campaign_guard import Tally
from tctfmsg.core.metric_names import CAMPAIGNS_STALLED
from tests.unit.campaigns.conftest import World
from tests.unit.campaigns_api.conftest import LambdaContext

LIMIT = timedelta(minutes=10)


def _sending(world: World, recipients: int = 3) -> Campaign:
    world.seed(recipients)
    return world.started()


def _stored(world: World, campaign_id: str) -> Campaign:
    found = world.store.get(campaign_id)
    assert found is not None
    return found


def test_a_sent_delivery_stamps_progress_when_it_is_counted(world: World) -> None:
    campaign = _sending(world)
    world.clock.advance(300)

    consumer.deliver(world.consumer, world.queue.take()[0], "t1")

    assert _stored(world, campaign.campaign_id).progress_at == world.clock.now()


def test_a_batchs_outcomes_stamp_progress_in_the_write_that_counts_them(world: World) -> None:
    campaign = _sending(world)
    world.clock.advance(120)
    tally = Tally()
    tally.add(campaign.campaign_id, "sent")
    tally.fail(campaign.campaign_id, "rejected", "p01@example.com")

    tally.flush(world.deps.books)

    stored = _stored(world, campaign.campaign_id)
    assert stored.progress_at == world.clock.now()
    assert (stored.counters.sent, stored.counters.failed) == (1, 1)


def test_a_failure_the_guard_counts_stamps_progress(world: World) -> None:
    campaign = _sending(world)
    world.clock.advance(60)

    campaign_guard.record_outcomes(
        world.deps.books, campaign.campaign_id, {"failed": 1}, {"rejected": (1, "x@example.com")}
    )

    assert _stored(world, campaign.campaign_id).progress_at == world.clock.now()


def test_counts_that_are_not_outcomes_do_not_stamp_progress(world: World) -> None:
    campaign = _sending(world)
    world.clock.advance(60)

    campaign_guard.note_reputation(world.deps.books, campaign.campaign_id, "bounced")
    campaigns.requeue_pending(world.deps, campaign.campaign_id)

    stored = _stored(world, campaign.campaign_id)
    assert (stored.counters.bounced, stored.counters.requeued) == (1, 3)
    assert stored.progress_at is None


def test_the_tick_names_a_campaign_that_counted_nothing_for_the_limit_though_messages_wait(
    world: World,
) -> None:
    campaign = _sending(world)
    consumer.deliver(world.consumer, world.queue.take()[0], "t1")  # two still on the queue

    world.clock.advance(LIMIT.total_seconds() - 1)
    assert scheduler.tick(world.deps, LIMIT).stalled == []
    world.clock.advance(2)
    assert scheduler.tick(world.deps, LIMIT).stalled == [campaign.campaign_id]


def test_the_next_outcome_ends_the_stall(world: World) -> None:
    campaign = _sending(world)
    world.clock.advance(3600)
    assert scheduler.tick(world.deps, LIMIT).stalled == [campaign.campaign_id]

    consumer.deliver(world.consumer, world.queue.take()[0], "t1")

    assert scheduler.tick(world.deps, LIMIT).stalled == []


def test_a_paused_campaign_is_never_stalled(world: World) -> None:
    paused = _sending(world)
    campaigns.pause(world.deps, paused.campaign_id)
    world.clock.advance(3600)

    assert scheduler.tick(world.deps, LIMIT).stalled == []


def test_the_scheduler_handler_reports_every_ticks_stalled_count_as_a_metric(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _sending(world)
    world.clock.advance(3600)
    root = SimpleNamespace(
        campaign_deps=world.deps,
        subscribers=world.people,
        audience=world.people,
        fanout_config=scheduler.FanoutConfig(),
        stalled_after=LIMIT,
    )
    monkeypatch.setattr(bootstrap, "default", lambda: root)

    door.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, LambdaContext())

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "{" in line]
    counts = [m[CAMPAIGNS_STALLED] for m in emitted if CAMPAIGNS_STALLED in m]
    assert counts in ([1.0], [[1.0]])  # one count, however Powertools shapes a single value
