"""The campaigns service's health: dead letters, failures of the last hour, stalled and
self-paused campaigns, each a finding naming its runbook."""

from __future__ import annotations

from datetime import timedelta

from tctfmsg.campaigns.domain.campaign import Audience, Campaign, CampaignStatus, Counters
from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tctfmsg.campaigns.services.health import CampaignHealthDeps, CampaignLimits, campaigns_health
from tests.support.campaign_memory import FixedClock, MemoryCampaigns, MemoryFailures
from tests.unit.health.fakes import SetQueues

LIMITS = CampaignLimits(stalled_after_s=600, max_queue_age_s=900)


def world(queues: SetQueues | None = None) -> tuple[CampaignHealthDeps, MemoryCampaigns]:
    campaigns, clock = MemoryCampaigns(), FixedClock()
    deps = CampaignHealthDeps(campaigns, MemoryFailures(), queues or SetQueues(), clock)
    return deps, campaigns


def campaign(deps: CampaignHealthDeps, cid: str, status: CampaignStatus, idle_s: float,
             **changes: object) -> Campaign:  # fmt: skip
    fields: dict[str, object] = {"counters": Counters(targeted=10, sent=4), **changes}
    return Campaign(
        campaign_id=cid, name="n", subject="s", template="t", audience=Audience("news"),
        sender="news@example.com", status=status,
        updated_at=deps.clock.now() - timedelta(seconds=idle_s), fanout_done=True,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def failure(deps: CampaignHealthDeps, fid: str, reason: str, age_s: float,
            state: FailureState = FailureState.OPEN) -> FailedMessage:  # fmt: skip
    at = deps.clock.now() - timedelta(seconds=age_s)
    return FailedMessage(fid, "c1", "a@example.com", reason, "", 5, "{}", at, state)


def test_a_healthy_service_has_figures_and_no_findings() -> None:
    deps, _ = world()

    health = campaigns_health(deps, LIMITS)

    assert health.findings == ()
    assert health.figures["open_failed_messages"] == 0
    assert set(health.figures["queues"]) == {
        "delivery", "delivery_dlq", "provider_events", "provider_events_dlq"
    }  # fmt: skip


def test_a_message_on_the_campaign_dlq_and_open_failed_messages_point_to_dead_letters() -> None:
    deps, _ = world(SetQueues(depths={"delivery_dlq": (2, 0, 0)}))
    deps.failures.record(failure(deps, "f1", "providers-unavailable", 60))
    deps.failures.record(failure(deps, "f2", "providers-unavailable", 60, FailureState.RESOLVED))

    health = campaigns_health(deps, LIMITS)

    assert [(f.what, f.runbook) for f in health.findings] == [
        ("2 message(s) in dead-letter queue delivery_dlq", "dead-letters.md"),
        ("1 open failed message(s)", "dead-letters.md"),
    ]


def test_a_dead_provider_event_is_a_finding_naming_the_command_that_lists_it() -> None:
    deps, _ = world(SetQueues(depths={"provider_events_dlq": (1, 1, 0)}))

    health = campaigns_health(deps, LIMITS)

    assert [(f.what, f.runbook) for f in health.findings] == [(
        "2 message(s) in dead-letter queue provider_events_dlq: see `tctfmsg dlq events list`",
        "deliverability.md",
    )]  # fmt: skip


def test_failures_of_the_last_hour_are_counted_by_reason_older_ones_are_not() -> None:
    deps, _ = world()
    deps.failures.record(failure(deps, "f1", "providers-unavailable", 60))
    deps.failures.record(failure(deps, "f2", "providers-unavailable", 120, FailureState.RETRIED))
    deps.failures.record(failure(deps, "f3", "render-failed", 2 * 3600))

    health = campaigns_health(deps, LIMITS)

    assert health.figures["failed_last_hour_by_reason"] == {"providers-unavailable": 2}


def test_a_sending_campaign_with_work_left_and_no_progress_for_the_limit_is_stalled() -> None:
    deps, campaigns = world()
    campaigns.create(campaign(deps, "stuck", CampaignStatus.SENDING, idle_s=601))
    campaigns.create(campaign(deps, "young", CampaignStatus.SENDING, idle_s=60))
    campaigns.create(campaign(deps, "done", CampaignStatus.SENDING, idle_s=601,
                              counters=Counters(targeted=10, sent=10)))  # fmt: skip

    health = campaigns_health(deps, LIMITS)

    assert health.figures["stalled"] == ["stuck"]
    assert health.figures["sending"] == 3
    assert [f.runbook for f in health.findings] == ["campaign-stuck.md"]
    assert health.findings[0].what == (
        "campaign stuck is sending with recipients left and no progress for 10 min"
    )


def test_messages_stuck_in_flight_do_not_hide_a_stalled_campaign() -> None:
    deps, campaigns = world(SetQueues(depths={"delivery": (0, 3, 0)}))
    campaigns.create(campaign(deps, "held", CampaignStatus.SENDING, idle_s=3600))

    assert campaigns_health(deps, LIMITS).figures["stalled"] == ["held"]


def test_a_campaign_that_started_long_ago_but_counted_an_outcome_lately_is_not_stalled() -> None:
    deps, campaigns = world(SetQueues(depths={"delivery": (500, 10, 0)}))
    recent = deps.clock.now() - timedelta(seconds=30)
    campaigns.create(campaign(deps, "busy", CampaignStatus.SENDING, idle_s=7200,
                              progress_at=recent))  # fmt: skip

    assert campaigns_health(deps, LIMITS).figures["stalled"] == []


def test_a_campaign_resumed_lately_is_not_stalled_by_its_progress_before_the_pause() -> None:
    deps, campaigns = world()
    old = deps.clock.now() - timedelta(hours=3)
    campaigns.create(campaign(deps, "resumed", CampaignStatus.SENDING, idle_s=60,
                              progress_at=old))  # fmt: skip

    assert campaigns_health(deps, LIMITS).figures["stalled"] == []


def test_a_campaign_that_paused_itself_is_a_finding_and_one_paused_by_hand_is_not() -> None:
    deps, campaigns = world()
    campaigns.create(campaign(deps, "auto", CampaignStatus.PAUSED, 0, pause_reason="bounce rate"))
    campaigns.create(campaign(deps, "by-hand", CampaignStatus.PAUSED, 0))

    health = campaigns_health(deps, LIMITS)

    assert health.figures["auto_paused"] == {"auto": "bounce rate"}
    assert [(f.what, f.runbook) for f in health.findings] == [
        ("campaign auto paused itself: bounce rate", "deliverability.md")
    ]


def test_an_old_delivery_queue_points_to_the_stuck_campaign_runbook() -> None:
    deps, _ = world(SetQueues(depths={"delivery": (40, 0, 0)}, ages={"delivery": 1000.0}))

    health = campaigns_health(deps, LIMITS)

    assert [f.runbook for f in health.findings] == ["campaign-stuck.md"]
