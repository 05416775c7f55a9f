from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import SubscriberStatus
from tctfmsg.campaigns.services import campaigns, scheduler
from tests.unit.campaigns.conftest import World


def test_fan_out_hands_on_before_its_time_runs_out_and_the_next_run_finishes(
    world: World,
) -> None:
    world.seed(10)
    campaign = world.draft()
    campaigns.send_now(world.deps, campaign.campaign_id)
    scheduler.start(world.deps, campaign.campaign_id)
    budget = iter([900.0, 900.0, 10.0])  # two pages, then almost out of time
    config = scheduler.FanoutConfig(page_size=3, reserve_s=60)

    first = scheduler.fan_out(
        world.deps, world.people, world.people, campaign.campaign_id, lambda: next(budget), config
    )

    assert (first.outcome, first.pages) == ("handed-on", 2)
    function, payload = world.invoker.calls[-1]
    assert (function, payload["action"]) == ("campaign_scheduler", "fanout")
    second = scheduler.fan_out(
        world.deps, world.people, world.people, campaign.campaign_id, lambda: 900.0, config,
        lease=payload["lease"],
    )  # fmt: skip
    assert second.outcome == "done"
    queued = Counter(m.email_key for m in world.queue.messages)
    assert queued == {f"p{i:02d}@example.com": 1 for i in range(10)}
    final = world.store.items[campaign.campaign_id]
    assert final.fanout_done and final.counters.targeted == 10 and final.counters.queued == 10


def test_a_second_run_cannot_take_a_fan_out_another_run_holds(world: World) -> None:
    world.seed(4)
    campaign = world.draft()
    campaigns.send_now(world.deps, campaign.campaign_id)
    scheduler.start(world.deps, campaign.campaign_id)
    world.store.take_lease(
        campaign.campaign_id, "other", world.clock.now() + timedelta(minutes=5), world.clock.now()
    )

    report = scheduler.fan_out(
        world.deps, world.people, world.people, campaign.campaign_id, lambda: 900.0
    )

    assert report.outcome == "busy"
    assert world.queue.messages == []


def test_fan_out_stops_between_pages_when_paused(world: World) -> None:
    world.seed(9)
    campaign = world.draft()
    campaigns.send_now(world.deps, campaign.campaign_id)
    scheduler.start(world.deps, campaign.campaign_id)
    calls = 0

    def remaining() -> float:
        nonlocal calls
        calls += 1
        if calls == 2:  # an operator pauses while the first page is out
            campaigns.pause(world.deps, campaign.campaign_id)
        return 900.0

    report = scheduler.fan_out(
        world.deps, world.people, world.people, campaign.campaign_id, remaining,
        scheduler.FanoutConfig(page_size=3),
    )  # fmt: skip

    assert report.outcome == "stopped:paused"
    assert len(world.queue.messages) <= 6
    assert not world.store.items[campaign.campaign_id].fanout_done


def test_rerunning_a_page_never_resets_a_sent_delivery(world: World) -> None:
    world.seed(3)
    campaign = world.draft()
    world.ledger.create_page(
        campaign.campaign_id,
        None,
        None,
        [Delivery(campaign.campaign_id, "p01@example.com", DeliveryStatus.SENT)],
    )
    campaigns.send_now(world.deps, campaign.campaign_id)
    scheduler.start(world.deps, campaign.campaign_id)

    scheduler.fan_out(world.deps, world.people, world.people, campaign.campaign_id, lambda: 900.0)

    assert world.ledger.get(campaign.campaign_id, "p01@example.com").status is DeliveryStatus.SENT
    assert sorted(m.email_key for m in world.queue.messages) == [
        "p00@example.com",
        "p02@example.com",
    ]


def test_without_a_filter_no_subscriber_is_read_and_every_member_is_queued(
    world: World,
) -> None:
    world.seed(3, p01=SubscriberStatus.COMPLAINED)
    reads: list[object] = []
    read = world.people.get_many
    world.people.get_many = lambda keys: reads.append(keys) or read(keys)  # type: ignore[method-assign]

    campaign = world.started()

    assert reads == []  # sendability is the consumer's call, at send time
    assert sorted(m.email_key for m in world.queue.messages) == [
        f"p{i:02d}@example.com" for i in range(3)
    ]
    assert world.ledger.get(campaign.campaign_id, "p01@example.com").status is (
        DeliveryStatus.PENDING
    )
    assert (campaign.counters.targeted, campaign.counters.queued) == (3, 3)


def test_with_a_filter_non_sendable_matches_are_recorded_skipped_and_never_queued(
    world: World,
) -> None:
    world.seed(4, p01=SubscriberStatus.COMPLAINED)
    for key, plan in (("p00", "pro"), ("p01", "pro"), ("p02", "free"), ("p03", "pro")):
        found = world.people.get(f"{key}@example.com")
        world.people.add(replace(found, attributes={"plan": plan}))

    campaign = world.started(filter={"plan": "pro"})

    skipped = world.ledger.get(campaign.campaign_id, "p01@example.com")
    assert skipped.status is DeliveryStatus.SKIPPED and skipped.reason == "complained"
    assert world.ledger.get(campaign.campaign_id, "p02@example.com") is None  # not targeted
    assert sorted(m.email_key for m in world.queue.messages) == [
        "p00@example.com",
        "p03@example.com",
    ]
    assert (campaign.counters.targeted, campaign.counters.skipped) == (3, 1)


def test_tick_starts_only_what_is_due(world: World) -> None:
    now_campaign, later_campaign = world.draft(), world.draft()
    campaigns.schedule(world.deps, now_campaign.campaign_id, world.clock.now())
    campaigns.schedule(
        world.deps, later_campaign.campaign_id, world.clock.now() + timedelta(hours=1)
    )

    report = scheduler.tick(world.deps)

    assert report.started == [now_campaign.campaign_id]
    assert world.store.items[now_campaign.campaign_id].status is CampaignStatus.SENDING
    assert world.store.items[later_campaign.campaign_id].status is CampaignStatus.SCHEDULED
    assert (
        "campaign_scheduler",
        {"action": "fanout", "campaign_id": now_campaign.campaign_id},
    ) in (world.invoker.calls)


def test_local_fan_out_waits_while_the_queue_is_deep(world: World) -> None:
    world.seed(9)
    campaign = world.draft()
    campaigns.send_now(world.deps, campaign.campaign_id)
    scheduler.start(world.deps, campaign.campaign_id)
    depths: list[int] = []

    def consumers_catch_up(_: float) -> None:
        depths.append(len(world.queue.messages))
        world.queue.take()

    config = scheduler.FanoutConfig(page_size=3, max_queue_depth=3, pause=consumers_catch_up)
    report = scheduler.fan_out(
        world.deps, world.people, world.people, campaign.campaign_id, lambda: 900.0, config
    )

    assert report.outcome == "done" and report.queued == 9
    assert depths == [3, 3]  # it never queued past the limit; it waited twice
