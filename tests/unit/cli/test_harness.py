from __future__ import annotations

from types import SimpleNamespace

from tests.support.campaign_memory import MemoryCampaigns
from tests.unit.cli.conftest import Cli


def test_commands_use_the_roots_the_test_hands_in(cli: Cli) -> None:
    campaigns = MemoryCampaigns()
    cli.campaigns = SimpleNamespace(campaign_deps=SimpleNamespace(campaigns=campaigns))

    result = cli("campaign", "list", "--json")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "[]"
