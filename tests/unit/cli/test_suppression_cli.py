"""`tctfmsg suppression …` on an in-memory list: what it prints, what it changes, and that
lifting a complaint takes the operator's word."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tctfmsg.email.suppression import Suppression, SuppressionReason
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.cli.conftest import Cli


@pytest.fixture
def suppressions(cli: Cli) -> MemorySuppressions:
    found = MemorySuppressions()
    found.add(Suppression("ana@example.com", SuppressionReason.BOUNCED, "ses:fb-1", "5.1.1"))
    found.add(Suppression("[red]eve@example.com", SuppressionReason.COMPLAINED, "resend:msg_1"))
    cli.email = SimpleNamespace(suppressions=found)
    return found


def test_list_filters_by_reason_and_prints_json(cli: Cli, suppressions: MemorySuppressions) -> None:
    result = cli("suppression", "list", "--reason", "bounced", "--json")

    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["suppressions"]
    assert [(s["address"], s["reason"], s["source"]) for s in listed] == [
        ("ana@example.com", "bounced", "ses:fb-1")
    ]


def test_the_table_prints_addresses_literally(cli: Cli, suppressions: MemorySuppressions) -> None:
    result = cli("suppression", "list")

    assert "[red]eve@example.com" in result.output and "2 suppressed addresses" in result.output


def test_add_suppresses_an_address_manually(cli: Cli, suppressions: MemorySuppressions) -> None:
    result = cli("suppression", "add", "bob@example.com")

    assert result.exit_code == 0 and "bob@example.com is suppressed (manual)" in result.output
    entry = suppressions.find("bob@example.com")
    assert entry is not None and entry.source == "cli"


def test_add_refuses_what_is_not_an_address_in_one_line(
    cli: Cli, suppressions: MemorySuppressions
) -> None:
    result = cli("suppression", "add", "not an address")

    assert result.exit_code == 1 and "is not an email address" in result.output
    assert "Traceback" not in result.output


def test_remove_lifts_a_bounce(cli: Cli, suppressions: MemorySuppressions) -> None:
    result = cli("suppression", "remove", "ANA@example.com")

    assert result.exit_code == 0 and suppressions.find("ana@example.com") is None


def test_removing_a_complaint_warns_and_keeps_it_unless_confirmed(
    cli: Cli, suppressions: MemorySuppressions
) -> None:
    declined = cli("suppression", "remove", "[red]eve@example.com", input="n\n")

    assert declined.exit_code == 1 and "complained" in declined.output
    assert suppressions.find("[red]eve@example.com") is not None

    confirmed = cli("suppression", "remove", "[red]eve@example.com", input="y\n")
    assert confirmed.exit_code == 0 and suppressions.find("[red]eve@example.com") is None


def test_force_lifts_a_complaint_without_asking(cli: Cli, suppressions: MemorySuppressions) -> None:
    result = cli("suppression", "remove", "[red]eve@example.com", "--force")

    assert result.exit_code == 0 and suppressions.find("[red]eve@example.com") is None
