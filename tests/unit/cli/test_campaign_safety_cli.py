"""`campaign failures`, and `campaign show`/`status` with failures and a pause reason
(decision 0076)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Counters
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.cli.demo import _RichReporter
from tests.support.cli_roots import CampaignWorld, error_line
from tests.unit.cli.conftest import Cli


@pytest.fixture
def world(cli: Cli) -> CampaignWorld:
    world = CampaignWorld()
    cli.campaigns = world
    return world


def _failed(world: CampaignWorld, campaign_id: str, key: str, reason: str) -> None:
    world.ledger.items[(campaign_id, key)] = Delivery(
        campaign_id, key, DeliveryStatus.FAILED, attempts=1, reason=reason
    )


def test_failures_lists_each_failed_delivery_and_why_a_retry_will_not_help(
    cli: Cli, world: CampaignWorld
) -> None:
    campaign = world.campaign(CampaignStatus.SENDING)
    _failed(world, campaign.campaign_id, "a@x.io", "render-error: template needs plan")
    _failed(world, campaign.campaign_id, "b@x.io", "dead-lettered: providers down")

    table = cli("campaign", "failures", campaign.campaign_id)
    only = cli("campaign", "failures", campaign.campaign_id, "--reason", "render-error", "--json")

    assert table.exit_code == 0, table.output
    assert "a@x.io" in table.stdout and "b@x.io" in table.stdout
    assert "no: the template does not render" in table.stdout
    assert "2 failed deliveries" in table.stdout
    [row] = json.loads(only.stdout)
    assert (row["recipient"], row["reason"], row["retryable"]) == ("a@x.io", "render-error", False)


def test_failures_of_an_unknown_campaign_is_one_line(cli: Cli, world: CampaignWorld) -> None:
    assert "no campaign c-nosuch" in error_line(cli("campaign", "failures", "c-nosuch"))


def test_show_gives_failures_by_reason_and_the_pause_reason(cli: Cli, world: CampaignWorld) -> None:
    campaign = world.campaign(CampaignStatus.PAUSED)
    world.store.items[campaign.campaign_id] = replace(
        campaign,
        pause_reason="auto-paused: 37 failed deliveries in the last 200 (render-error)",
        failure_counts={"render-error": 37},
        failure_samples={"render-error": "a@x.io"},
    )

    shown = cli("campaign", "show", campaign.campaign_id)
    status = cli("campaign", "status", campaign.campaign_id)
    as_json = json.loads(cli("campaign", "show", campaign.campaign_id, "--json").stdout)

    assert "render-error 37 (e.g. a@x.io; not retryable" in shown.stdout
    assert "auto-paused: 37 failed deliveries in the last 200" in shown.stdout
    assert "auto-paused: 37 failed deliveries in the last 200" in status.stdout
    assert as_json["failures"][0]["count"] == 37


def test_the_demo_bar_has_the_audience_as_total_from_the_first_refresh(
    world: CampaignWorld,
) -> None:
    console = Console(width=100, record=True, force_terminal=False)
    campaign = world.campaign(CampaignStatus.SENDING, counters=Counters(targeted=3, sent=1))
    with Progress(MofNCompleteColumn(), console=console, auto_refresh=False) as bar:
        _RichReporter(bar).progress(campaign, 1200)
        bar.refresh()

    assert "1/1200" in console.export_text()
