"""User-controlled text reaches the terminal cut short, with its length: a million-character
subject or name prints as a short line, so printing stays fast (decision 0081)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tctfmsg.cli.console import literal
from tests.support.cli_roots import CampaignWorld
from tests.unit.cli.conftest import Cli
from tests.unit.cli.test_template_cli import Templates

MILLION = 1_000_000


def test_literal_cuts_a_million_characters_and_says_how_many() -> None:
    shown = literal("x" * MILLION)

    assert shown == "x" * 199 + "…(1,000,000 chars)"


def test_preview_of_a_million_character_subject_prints_a_short_subject_line(
    cli: Cli, tmp_path: Path
) -> None:
    cli.templates = Templates()
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"first_name": "A" * MILLION, "unsubscribe_url": "https://u.x"}))

    result = cli(
        "template", "preview", "welcome", "--data", str(data), "--out", str(tmp_path / "o")
    )

    assert result.exit_code == 0, result.output
    (subject,) = [line for line in result.stderr.splitlines() if line.startswith("subject:")]
    assert len(subject) < 300
    assert subject.endswith("…(1,000,021 chars)")


@pytest.fixture
def world(cli: Cli) -> CampaignWorld:
    world = CampaignWorld()
    cli.campaigns = world
    return world


def test_a_campaign_with_huge_text_lists_and_shows_in_short_lines(
    cli: Cli, world: CampaignWorld
) -> None:
    created = cli(
        "campaign", "create", "--name", "n", "--template", "newsletter", "--subject", "s",
        "--list", "news",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    (campaign_id,) = world.store.items
    huge = replace(world.store.items[campaign_id], name="N" * MILLION, subject="S" * MILLION)
    world.store.items[campaign_id] = huge
    cli.env["COLUMNS"] = "4000"  # as when piped: rows are not wrapped, the cut shows whole

    listed = cli("campaign", "list")
    shown = cli("campaign", "show", campaign_id)

    assert listed.exit_code == shown.exit_code == 0, listed.output + shown.output
    assert len(listed.stdout) < 2_000 and "…(1,000,000 chars)" in listed.stdout
    assert len(shown.stdout) < 4_000 and shown.stdout.count("…(1,000,000 chars)") == 2
