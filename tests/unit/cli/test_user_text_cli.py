"""Text that came from users or providers is printed as it is: Rich never reads it as markup,
so a campaign named `[red]x[/red]` or a reason holding `[bold]` cannot restyle or hide output."""

from __future__ import annotations

from tests.support.cli_roots import CampaignWorld
from tests.unit.cli.conftest import Cli

MARKUP = "[red]Spring[/red] [link=https://evil.example]news[/link]"


def test_a_campaign_name_with_markup_is_listed_verbatim(cli: Cli) -> None:
    world = CampaignWorld()
    cli.campaigns = world
    world.campaign(name=MARKUP)

    result = cli("campaign", "list")

    assert result.exit_code == 0, result.output
    assert "[red]Spring[/red]" in result.stdout


def test_a_campaign_shown_keeps_the_brackets_of_its_name(cli: Cli) -> None:
    world = CampaignWorld()
    cli.campaigns = world
    campaign = world.campaign(name=MARKUP)

    result = cli("campaign", "show", campaign.campaign_id)

    assert result.exit_code == 0, result.output
    assert "[link=https://evil.example]news[/link]" in result.stdout


def test_a_dead_letter_reason_with_markup_is_listed_verbatim(cli: Cli) -> None:
    world = CampaignWorld()
    cli.campaigns = world
    campaign = world.campaign()
    world.dead(campaign.campaign_id, "ada@example.com", reason="[bold]dead[/bold]")

    listed = cli("dlq", "list")
    stats = cli("dlq", "stats")

    assert listed.exit_code == 0 and stats.exit_code == 0, listed.output + stats.output
    assert "[bold]dead[/bold]" in listed.stdout
    assert "[bold]dead[/bold]" in stats.stdout
