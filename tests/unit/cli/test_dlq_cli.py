"""`tctfmsg dlq …` on in-memory ports: stats, list, retry and resolve, printed and as JSON."""

from __future__ import annotations

import json

import pytest

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Counters
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus, Reason
from tctfmsg.campaigns.domain.failed_message import FailureState
from tests.support.cli_roots import CampaignWorld, error_line
from tests.unit.cli.conftest import Cli

FAILED_KEYS = {
    "failure_id", "campaign_id", "email_key", "reason", "detail", "attempts", "state",
    "failed_at", "updated_at",
}  # fmt: skip


@pytest.fixture
def world(cli: Cli) -> CampaignWorld:
    world = CampaignWorld()
    cli.campaigns = world
    return world


def _sending(world: CampaignWorld, failed: int = 0) -> str:
    return world.campaign(CampaignStatus.SENDING, counters=Counters(failed=failed)).campaign_id


# stats


def test_stats_counts_open_ones_by_reason_and_campaign(cli: Cli, world: CampaignWorld) -> None:
    first, second = _sending(world), _sending(world)
    world.dead(first, "a@example.com")
    world.dead(first, "b@example.com", Reason.PROVIDERS_UNAVAILABLE)
    resolved = world.dead(second, "c@example.com")
    world.failures.set_state(resolved, FailureState.RESOLVED, world.clock.now())

    human = cli("dlq", "stats")
    as_json = cli("dlq", "stats", "--json")

    assert human.exit_code == 0, human.output
    assert "2 open, 0 retried, 1 resolved" in human.stdout
    assert "By reason" in human.stdout and "providers-unavailable" in human.stdout
    assert "By campaign" in human.stdout and first in human.stdout
    assert second not in human.stdout  # only open ones are broken down
    assert json.loads(as_json.stdout) == {
        "open": 2,
        "by_reason": {"dead-lettered": 1, "providers-unavailable": 1},
        "by_campaign": {first: 2},
        "retried": 0,
        "resolved": 1,
    }


def test_stats_of_an_empty_dlq_prints_no_tables(cli: Cli, world: CampaignWorld) -> None:
    result = cli("dlq", "stats")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "0 open, 0 retried, 0 resolved"


# list


def test_list_shows_open_ones_by_default(cli: Cli, world: CampaignWorld) -> None:
    campaign_id = _sending(world)
    open_one = world.dead(campaign_id, "a@example.com")
    retried = world.dead(campaign_id, "b@example.com")
    world.failures.set_state(retried, FailureState.RETRIED, world.clock.now())

    result = cli("dlq", "list")

    assert result.exit_code == 0, result.output
    assert open_one in result.stdout and retried not in result.stdout
    assert "a@example.com" in result.stdout and "dead-lettered" in result.stdout
    assert result.stdout.strip().endswith("1 failed message")


def test_list_filters_by_campaign_reason_and_state_in_json(cli: Cli, world: CampaignWorld) -> None:
    first, second = _sending(world), _sending(world)
    wanted = world.dead(first, "a@example.com", Reason.PROVIDERS_UNAVAILABLE)
    world.dead(first, "b@example.com")
    world.dead(second, "c@example.com", Reason.PROVIDERS_UNAVAILABLE)
    world.failures.set_state(wanted, FailureState.RETRIED, world.clock.now())

    result = cli(
        "dlq", "list", "--campaign", first, "--reason", "providers-unavailable",
        "--state", "retried", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    assert set(item) == FAILED_KEYS
    assert (item["failure_id"], item["campaign_id"], item["email_key"]) == (
        wanted, first, "a@example.com",
    )  # fmt: skip
    assert (item["reason"], item["state"], item["attempts"]) == (
        "providers-unavailable", "retried", 6,
    )  # fmt: skip


def test_list_refuses_an_unknown_state(cli: Cli, world: CampaignWorld) -> None:
    result = cli("dlq", "list", "--state", "forgotten")

    assert result.exit_code == 2 and "forgotten" in result.output
    assert "Traceback" not in result.output


# retry


def test_retry_by_id_requeues_the_delivery_once(cli: Cli, world: CampaignWorld) -> None:
    campaign_id = _sending(world, failed=1)
    item = world.dead(campaign_id, "a@example.com")

    result = cli("dlq", "retry", item)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "retried 1; already final 0; not retryable 0"
    assert [(m.campaign_id, m.email_key) for m in world.queue.messages] == [
        (campaign_id, "a@example.com")
    ]
    assert world.ledger.items[(campaign_id, "a@example.com")].status is DeliveryStatus.PENDING
    assert world.failures.items[item].state is FailureState.RETRIED
    assert world.store.items[campaign_id].counters.failed == 0


def test_retry_all_reports_each_outcome_in_json(cli: Cli, world: CampaignWorld) -> None:
    live = _sending(world, failed=1)
    retried = world.dead(live, "a@example.com")
    final = world.dead(live, "b@example.com")
    sent_meanwhile = Delivery(live, "b@example.com", DeliveryStatus.SENT)
    world.ledger.items[(live, "b@example.com")] = sent_meanwhile
    cancelled = world.campaign(CampaignStatus.CANCELLED).campaign_id
    refused = world.dead(cancelled, "c@example.com")

    result = cli("dlq", "retry", "--all", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "retried": [retried],
        "already_final": [final],
        "not_retryable": [refused],
        "left_uncertain": [],
    }
    assert [m.email_key for m in world.queue.messages] == ["a@example.com"]


def test_retry_by_campaign_and_reason_takes_only_those(cli: Cli, world: CampaignWorld) -> None:
    first, second = _sending(world, failed=2), _sending(world, failed=1)
    wanted = world.dead(first, "a@example.com")
    other_reason = world.dead(first, "b@example.com", Reason.PROVIDERS_UNAVAILABLE)
    other_campaign = world.dead(second, "c@example.com")

    result = cli("dlq", "retry", "--campaign", first, "--reason", "dead-lettered", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "retried": [wanted],
        "already_final": [],
        "not_retryable": [],
        "left_uncertain": [],
    }
    for untouched in (other_reason, other_campaign):
        assert world.failures.items[untouched].state is FailureState.OPEN
    assert [(m.campaign_id, m.email_key) for m in world.queue.messages] == [
        (first, "a@example.com")
    ]


@pytest.mark.parametrize(
    "selection", [[], ["f-1", "--all"], ["--campaign", "c-1", "--all"]], ids=str
)
def test_retry_needs_exactly_one_way_of_choosing(
    cli: Cli, world: CampaignWorld, selection: list[str]
) -> None:
    result = cli("dlq", "retry", *selection)

    assert "say which failed messages" in error_line(result)
    assert world.queue.messages == []


def test_retry_leaves_interrupted_deliveries_out_and_says_how_many(
    cli: Cli, world: CampaignWorld
) -> None:
    campaign_id = _sending(world, failed=2)
    dead = world.dead(campaign_id, "a@example.com")
    uncertain = world.dead(campaign_id, "b@example.com", Reason.INTERRUPTED)

    result = cli("dlq", "retry", "--all")

    assert result.exit_code == 0, result.output
    assert "retried 1;" in result.stdout
    assert "left out 1 interrupted (may have been sent)" in result.stdout
    assert "--include-uncertain" in result.stdout
    assert [m.email_key for m in world.queue.messages] == ["a@example.com"]
    assert world.failures.items[uncertain].state is FailureState.OPEN
    assert world.ledger.items[(campaign_id, "b@example.com")].status is DeliveryStatus.FAILED
    assert world.failures.items[dead].state is FailureState.RETRIED


def test_retry_with_include_uncertain_requeues_interrupted_ones_too(
    cli: Cli, world: CampaignWorld
) -> None:
    campaign_id = _sending(world, failed=1)
    uncertain = world.dead(campaign_id, "b@example.com", Reason.INTERRUPTED)

    result = cli("dlq", "retry", uncertain, "--include-uncertain", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["retried"] == [uncertain]
    assert json.loads(result.stdout)["left_uncertain"] == []
    assert [m.email_key for m in world.queue.messages] == ["b@example.com"]
    assert world.ledger.items[(campaign_id, "b@example.com")].status is DeliveryStatus.PENDING


def test_retry_of_an_unknown_id_is_one_line(cli: Cli, world: CampaignWorld) -> None:
    result = cli("dlq", "retry", "f-nope")

    line = error_line(result)
    assert "no failed message f-nope" in line and "dlq list" in line


# resolve


def test_resolve_accepts_the_failures(cli: Cli, world: CampaignWorld) -> None:
    campaign_id = _sending(world, failed=2)
    first = world.dead(campaign_id, "a@example.com")
    second = world.dead(campaign_id, "b@example.com")

    human = cli("dlq", "resolve", first)
    as_json = cli("dlq", "resolve", second, "--json")

    assert human.exit_code == 0, human.output
    assert human.stdout.strip() == "resolved 1"
    (item,) = json.loads(as_json.stdout)
    assert set(item) == FAILED_KEYS and item["failure_id"] == second
    assert {world.failures.items[i].state for i in (first, second)} == {FailureState.RESOLVED}
    assert world.ledger.items[(campaign_id, "a@example.com")].status is DeliveryStatus.FAILED
    assert world.queue.messages == []


def test_resolve_of_an_unknown_id_changes_nothing(cli: Cli, world: CampaignWorld) -> None:
    item = world.dead(_sending(world, failed=1), "a@example.com")

    result = cli("dlq", "resolve", item, "f-nope")

    assert "no failed message f-nope" in error_line(result)
    assert world.failures.items[item].state is FailureState.OPEN


def test_resolve_needs_ids(cli: Cli, world: CampaignWorld) -> None:
    result = cli("dlq", "resolve")

    assert result.exit_code == 2 and "Traceback" not in result.output
