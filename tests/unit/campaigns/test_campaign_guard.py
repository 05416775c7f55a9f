"""note_reputation: bounces and complaints a provider reports pause a campaign whose rate over
its sends crosses the threshold (decision 0076)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Counters, Thresholds
from tctfmsg.campaigns.services import campaign_guard
from tctfmsg.campaigns.services.campaign_progress import Books
from tctfmsg.core.errors import InvalidInput
from tests.unit.campaigns.conftest import World


def _sending(world: World, sent: int, **counts: int) -> tuple[Books, str]:
    world.seed(1)
    campaign = world.started()
    counters = Counters(targeted=sent + 10, queued=sent + 10, sent=sent, **counts)
    world.store.items[campaign.campaign_id] = replace(
        world.store.items[campaign.campaign_id], counters=counters
    )
    return world.deps.books, campaign.campaign_id


def test_a_bounce_rate_over_the_threshold_pauses_with_the_rate_in_the_reason(
    world: World,
) -> None:
    books, cid = _sending(world, 1000, bounced=60)

    paused = campaign_guard.note_reputation(books, cid, "bounced")

    assert paused is not None and paused.status is CampaignStatus.PAUSED
    assert paused.counters.bounced == 61
    assert paused.pause_reason == "auto-paused: bounce rate 6.1 % (61 of 1,000 sent) over 5 %"


def test_a_bounce_rate_at_or_under_the_threshold_is_only_counted(world: World) -> None:
    books, cid = _sending(world, 1000, bounced=49)

    counted = campaign_guard.note_reputation(books, cid, "bounced")

    assert counted is not None and counted.status is CampaignStatus.SENDING
    assert counted.counters.bounced == 50


def test_a_complaint_rate_over_a_tenth_of_a_percent_pauses(world: World) -> None:
    books, cid = _sending(world, 1000, complained=1)

    paused = campaign_guard.note_reputation(books, cid, "complained")

    assert paused is not None and paused.status is CampaignStatus.PAUSED
    assert paused.pause_reason == ("auto-paused: complaint rate 0.2 % (2 of 1,000 sent) over 0.1 %")


def test_before_the_minimum_of_sends_no_rate_pauses(world: World) -> None:
    books, cid = _sending(world, 99, bounced=50)

    counted = campaign_guard.note_reputation(books, cid, "bounced")

    assert counted is not None and counted.status is CampaignStatus.SENDING


def test_thresholds_come_from_the_books(world: World) -> None:
    books, cid = _sending(world, 10, bounced=1)
    books = replace(books, thresholds=Thresholds(bounce_rate=0.1, reputation_min_sends=10))

    paused = campaign_guard.note_reputation(books, cid, "bounced")

    assert paused is not None and paused.status is CampaignStatus.PAUSED


def test_a_paused_campaign_keeps_its_first_reason_and_counts_the_event(world: World) -> None:
    books, cid = _sending(world, 1000, bounced=60)
    campaign_guard.pause_now(books, cid, "auto-paused: first")

    counted = campaign_guard.note_reputation(books, cid, "bounced")

    assert counted is not None and counted.pause_reason == "auto-paused: first"
    assert counted.counters.bounced == 61


def test_an_unknown_campaign_is_none_and_an_unknown_kind_is_refused(world: World) -> None:
    books = world.deps.books

    assert campaign_guard.note_reputation(books, "c-nosuch", "bounced") is None
    with pytest.raises(InvalidInput):
        campaign_guard.note_reputation(books, "c-nosuch", "delivered")  # type: ignore[arg-type]
