"""Failures visible by reason, the per-campaign circuit breaker, and resume after a fix
(decision 0076)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Thresholds, Window
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services import campaigns, consumer
from tctfmsg.campaigns.services.consumer import Outcome
from tctfmsg.campaigns.services.views import campaign_json, delivery_failure_json
from tctfmsg.email.message import AllProvidersUnavailable
from tests.unit.campaigns.conftest import World


class Alarms:
    def __init__(self) -> None:
        self.raised: list[tuple[str, str]] = []

    def auto_paused(self, campaign_id: str, reason: str) -> None:
        self.raised.append((campaign_id, reason))


def _deliver_all(world: World) -> list[Outcome]:
    return [consumer.deliver(world.consumer, r, f"t{i}") for i, r in enumerate(world.queue.take())]


def _with(world: World, thresholds: Thresholds, alarm: Alarms | None = None) -> None:
    world.consumer = replace(world.consumer, thresholds=thresholds, alarm=alarm)
    world.deps = replace(world.deps, thresholds=thresholds, alarm=alarm)


def test_failures_are_shown_by_reason_with_a_count_and_one_sample_each(world: World) -> None:
    world.seed(6)
    campaign = world.started(page_size=10)
    world.sender.rejects = {"p01@example.com", "p03@example.com"}
    world.people.add(Subscriber(email="p05@example.com", name="", lists=frozenset({"news"})))
    world.consumer.renderer.required = ("name",)  # type: ignore[attr-defined]

    _deliver_all(world)

    shown = campaign_json(world.store.items[campaign.campaign_id])
    assert shown["failures"] == [
        {
            "reason": "rejected",
            "count": 2,
            "sample": "p01@example.com",
            "retryable": False,
            "why": "the provider refused this address for good: a retry sends to it again",
        },
        {
            "reason": "render-error",
            "count": 1,
            "sample": "p05@example.com",
            "retryable": False,
            "why": "the template does not render with this recipient's data: "
            "fix the data or the template first",
        },
    ]
    assert shown["counters"]["failed"] == 3


def test_failed_deliveries_list_recipient_reason_detail_and_why_a_retry_will_not_help(
    world: World,
) -> None:
    world.seed(3)
    campaign = world.started()
    world.sender.rejects = {"p02@example.com"}
    _deliver_all(world)

    listed = campaigns.failed_deliveries(world.deps, campaign.campaign_id)
    only = campaigns.failed_deliveries(world.deps, campaign.campaign_id, reason="render-error")

    assert [delivery_failure_json(d)["recipient"] for d in listed] == ["p02@example.com"]
    first = delivery_failure_json(listed[0])
    assert (first["reason"], first["retryable"]) == ("rejected", False)
    assert "address does not exist" in first["detail"]
    assert only == []


def test_one_subscriber_with_bad_data_is_one_failure_and_no_pause(world: World) -> None:
    world.seed(5)
    world.people.add(Subscriber(email="p02@example.com", name="", lists=frozenset({"news"})))
    campaign = world.started()
    world.consumer.renderer.required = ("name",)  # type: ignore[attr-defined]

    outcomes = _deliver_all(world)

    assert sorted(outcomes) == sorted([Outcome.SENT] * 4 + [Outcome.FAILED])
    final = world.store.items[campaign.campaign_id]
    assert final.status is CampaignStatus.COMPLETED
    assert (final.counters.sent, final.counters.failed, final.pause_reason) == (4, 1, None)


def test_a_template_level_render_error_pauses_at_once_and_sends_no_one(world: World) -> None:
    alarms = Alarms()
    _with(world, Thresholds(), alarms)
    world.seed(4)
    campaign = world.started()
    world.consumer.renderer.templates = ()  # type: ignore[attr-defined]  # gone for everyone

    outcomes = _deliver_all(world)

    paused = world.store.items[campaign.campaign_id]
    assert outcomes == [Outcome.HELD] * 4
    assert paused.status is CampaignStatus.PAUSED
    assert paused.pause_reason == (
        "auto-paused: template 'newsletter' does not render: no template newsletter"
    )
    assert alarms.raised == [(campaign.campaign_id, paused.pause_reason)]
    assert world.ledger.count_by_status(campaign.campaign_id)[DeliveryStatus.PENDING] == 4
    assert paused.counters.failed == 0


def test_resume_after_the_fix_sends_every_recipient_exactly_once(world: World) -> None:
    world.seed(4)
    campaign = world.started()
    world.sender.rejects = set()
    first = world.queue.take()
    assert consumer.deliver(world.consumer, first[0], "t0") is Outcome.SENT
    world.consumer.renderer.templates = ()  # type: ignore[attr-defined]
    for i, request in enumerate(first[1:]):
        consumer.deliver(world.consumer, request, f"u{i}")
    world.consumer.renderer.templates = ("newsletter",)  # type: ignore[attr-defined]  # fixed

    resumed = campaigns.resume(world.deps, campaign.campaign_id)
    _deliver_all(world)
    for request in first:  # the old messages come back too: nothing is sent twice
        consumer.deliver(world.consumer, request, "late")

    assert resumed.pause_reason is None
    assert sorted(m.to for m in world.sender.sent) == [f"p0{i}@example.com" for i in range(4)]
    final = world.store.items[campaign.campaign_id]
    assert final.status is CampaignStatus.COMPLETED
    assert (final.counters.queued, final.counters.requeued) == (4, 3)


def test_failures_over_the_threshold_in_the_last_n_deliveries_pause_the_campaign(
    world: World,
) -> None:
    alarms = Alarms()
    _with(world, Thresholds(failure_window=20, failure_rate=0.1), alarms)  # 2 of the last 20
    world.seed(10)
    campaign = world.started(page_size=10)
    world.sender.rejects = {"p01@example.com", "p02@example.com"}

    outcomes = _deliver_all(world)

    paused = world.store.items[campaign.campaign_id]
    assert paused.status is CampaignStatus.PAUSED
    assert paused.pause_reason == "auto-paused: 2 failed deliveries in the last 3 (rejected)"
    assert outcomes.count(Outcome.SENT) == 1  # p00; after the pause, the rest wait
    assert outcomes[3:] == [Outcome.HELD] * 7
    assert len(alarms.raised) == 1


def test_failures_under_the_threshold_do_not_pause(world: World) -> None:
    _with(world, Thresholds(failure_window=20, failure_rate=0.1))
    world.seed(10)
    campaign = world.started(page_size=10)
    world.sender.rejects = {"p04@example.com"}

    _deliver_all(world)

    assert world.store.items[campaign.campaign_id].status is CampaignStatus.COMPLETED


def test_interrupted_deliveries_are_failures_but_do_not_pause_the_campaign(world: World) -> None:
    # a runtime that dies between claim and record is our crash, not the campaign's fault
    alarms = Alarms()
    _with(world, Thresholds(failure_window=20, failure_rate=0.1), alarms)
    world.seed(6)
    campaign = world.started(page_size=10)

    class Uncertain:
        def send(self, message: object, proceed: Any = None) -> object:
            assert proceed is not None and proceed()
            raise AllProvidersUnavailable(("ses: timeout",), uncertain=("ses",))

    crashed = replace(world.consumer, sender=Uncertain())
    records = world.queue.take()
    outcomes = [consumer.deliver(crashed, r, f"c{i}") for i, r in enumerate(records[:4])]
    outcomes += [consumer.deliver(world.consumer, r, f"t{i}") for i, r in enumerate(records[4:])]

    final = world.store.items[campaign.campaign_id]
    assert outcomes == [Outcome.INTERRUPTED] * 4 + [Outcome.SENT] * 2
    assert final.status is CampaignStatus.COMPLETED
    assert (final.counters.failed, final.counters.sent) == (4, 2)
    assert final.failure_counts == {"interrupted": 4}
    assert alarms.raised == []


def test_old_failures_leave_the_window_as_new_deliveries_come() -> None:
    recent = Window(window_settled=15, window_failed=0, window_prev_failed=8)
    later = Window(window_settled=20, window_failed=0, window_prev_failed=8)

    assert recent.failures_in_last(20) == 2.0  # a quarter of the last block still counts
    assert later.failures_in_last(20) == 0.0
