from __future__ import annotations

from datetime import timedelta

import pytest

from tctfmsg.campaigns.domain.campaign import (
    TRANSITIONS,
    CampaignStatus,
    IllegalTransition,
    normalise_sender,
    parse_filter,
)
from tctfmsg.campaigns.services import campaigns
from tctfmsg.core.errors import ConfigurationError, InvalidInput
from tests.unit.campaigns.conftest import World


@pytest.mark.parametrize("current", list(CampaignStatus))
def test_an_illegal_move_names_the_allowed_ones(current: CampaignStatus) -> None:
    for wanted in CampaignStatus:
        if wanted in TRANSITIONS[current]:
            continue
        error = IllegalTransition("c-1", current, wanted)
        assert f"is {current.value} and cannot become {wanted.value}" in str(error)
        for allowed in TRANSITIONS[current]:
            assert allowed.value in str(error.hint)


def test_cancelled_is_reachable_from_every_live_state_and_final_states_are_final() -> None:
    for status in CampaignStatus:
        assert (CampaignStatus.CANCELLED in TRANSITIONS[status]) is status.live
    assert TRANSITIONS[CampaignStatus.COMPLETED] == ()
    assert TRANSITIONS[CampaignStatus.CANCELLED] == ()


def test_pausing_a_draft_is_refused_and_changes_nothing(world: World) -> None:
    campaign = world.draft()

    with pytest.raises(IllegalTransition, match="from draft it can become scheduled, cancelled"):
        campaigns.pause(world.deps, campaign.campaign_id)

    assert world.store.items[campaign.campaign_id].status is CampaignStatus.DRAFT


def test_schedule_refuses_a_time_in_the_past(world: World) -> None:
    campaign = world.draft()

    with pytest.raises(InvalidInput, match="in the past"):
        campaigns.schedule(world.deps, campaign.campaign_id, world.clock.now() - timedelta(hours=1))


def test_a_scheduled_campaign_can_be_rescheduled(world: World) -> None:
    campaign = world.draft()
    later = world.clock.now() + timedelta(days=1)
    campaigns.schedule(world.deps, campaign.campaign_id, later)

    moved = campaigns.schedule(world.deps, campaign.campaign_id, later + timedelta(hours=2))

    assert moved.status is CampaignStatus.SCHEDULED
    assert moved.send_at == later + timedelta(hours=2)


def test_send_now_makes_it_due_and_starts_the_scheduler(world: World) -> None:
    campaign = world.draft()

    due = campaigns.send_now(world.deps, campaign.campaign_id)

    assert (due.status, due.send_at) == (CampaignStatus.SCHEDULED, world.clock.now())
    assert world.invoker.calls == [
        ("campaign_scheduler", {"action": "start", "campaign_id": campaign.campaign_id})
    ]


def test_send_now_leaves_the_campaign_due_when_the_scheduler_cannot_be_reached(
    world: World,
) -> None:
    class Down:
        def invoke_async(self, function: str, payload: object) -> None:
            raise ConfigurationError("function runtime unreachable")

    deps = world.deps.__class__(world.store, world.ledger, world.queue, Down(), world.clock)
    campaign = world.draft()

    campaigns.send_now(deps, campaign.campaign_id)

    assert [c.campaign_id for c in world.store.due(world.clock.now())] == [campaign.campaign_id]


def test_filters_are_attribute_equals_value() -> None:
    assert parse_filter(["plan=pro", " country = NL "]) == {"plan": "pro", "country": "NL"}
    with pytest.raises(InvalidInput, match="attribute=value"):
        parse_filter(["plan"])


def test_sender_keeps_its_display_name_and_may_use_our_local_domain() -> None:
    assert normalise_sender("News <news@Example.COM>") == "News <news@example.com>"
    assert normalise_sender("news@tctfmsg.local") == "news@tctfmsg.local"
    with pytest.raises(InvalidInput, match="invalid sender"):
        normalise_sender("not an address")
