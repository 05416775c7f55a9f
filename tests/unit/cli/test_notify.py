"""`tctfmsg notify`: the options and --json keys operators' scripts rely on, and one clear line
for every refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tctfmsg.communication.domain.notification import NotificationStatus
from tctfmsg.communication.services import records
from tctfmsg.communication.services.worker import deliver
from tests.support.notification_world import Service, world
from tests.unit.cli.conftest import Cli


@pytest.fixture(name="world")
def _world(cli: Cli) -> Service:
    service = world()
    cli.communication = service
    return service


def _send(cli: Cli, *extra: str) -> dict[str, object]:
    result = cli(
        "notify", "send", "--type", "mfa_code", "--user", "u-ada",
        "--data", '{"code": "482913"}', "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


def test_send_prints_the_notification_id_and_status(cli: Cli, world: Service) -> None:
    answer = _send(cli)

    assert answer["status"] == "queued"
    assert world.queue.sent == [(answer["notification_id"], 0)]


def test_send_twice_with_one_idempotency_key_queues_once(cli: Cli, world: Service) -> None:
    first = _send(cli, "--idempotency-key", "reset-42")
    deliver(world.worker_deps, str(first["notification_id"]), "t1")

    again = _send(cli, "--idempotency-key", "reset-42")

    assert again["notification_id"] == first["notification_id"] and again["repeated"] is True
    assert len(world.queue.sent) == 1 and len(world.channels["sms"].sent) == 1


def test_send_with_the_key_of_another_payload_is_refused(cli: Cli, world: Service) -> None:
    _send(cli, "--idempotency-key", "k")
    result = cli(
        "notify", "send", "--type", "mfa_code", "--user", "u-ada",
        "--data", '{"code": "000000"}', "--idempotency-key", "k",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "different request" in result.stderr and "Traceback" not in result.output


def test_send_reads_data_from_a_file(cli: Cli, world: Service, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text('{"reset_url": "https://app.example/r/1"}')
    result = cli(
        "notify", "send", "--type", "password_reset", "--user", "u-ada", "--data", f"@{data}",
        "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "queued"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--type", "mfa_code", "--user", "u-ada"), "mfa_code needs code"),
        (("--type", "nosuch", "--user", "u-ada"), "no notification type 'nosuch'"),
        (("--type", "mfa_code", "--user", "u-ada", "--data", "{oops"), "not valid JSON"),
        (("--type", "mfa_code", "--user", "u-ada", "--data", "[1]"), "must be a JSON object"),
        (("--type", "mfa_code", "--user", "u-ada", "--data", "@/nonexistent"), "cannot read"),
        (("--type", "mfa_code", "--user", "u-x", "--data", '{"code": "1"}'), "has no address"),
    ],
)
def test_a_bad_send_is_refused_in_one_line_and_queues_nothing(
    cli: Cli, world: Service, args: tuple[str, ...], complaint: str
) -> None:
    result = cli("notify", "send", *args)

    assert result.exit_code == 1
    assert complaint in result.stderr and "Traceback" not in result.output
    assert world.queue.sent == []


def test_show_json_has_the_keys_scripts_read(cli: Cli, world: Service) -> None:
    nid = str(_send(cli)["notification_id"])
    deliver(world.worker_deps, nid, "t1")

    shown = json.loads(cli("notify", "show", nid, "--json").stdout)

    assert {"notification_id", "type", "user_id", "status", "channel", "provider", "attempts"} <= (
        shown.keys()
    )
    assert (shown["status"], shown["channel"]) == ("sent", "sms")
    assert [a["outcome"] for a in shown["attempts"]] == ["sent"]


def test_list_filters_by_status(cli: Cli, world: Service) -> None:
    sent = str(_send(cli)["notification_id"])
    deliver(world.worker_deps, sent, "t1")
    queued = str(_send(cli)["notification_id"])

    listed = json.loads(cli("notify", "list", "--status", "queued", "--json").stdout)

    assert [n["notification_id"] for n in listed] == [queued]


def test_dlq_retry_queues_an_open_dead_letter_again(cli: Cli, world: Service) -> None:
    nid = str(_send(cli)["notification_id"])
    records.mark_dead(world.record_deps, nid, receives=5)
    stats = json.loads(cli("notify", "dlq", "stats", "--json").stdout)

    result = cli("notify", "dlq", "retry", nid, "--json")

    assert stats["open"] == 1
    assert json.loads(result.stdout) == {"retried": [nid]}
    assert world.notifications.get(nid).status == NotificationStatus.QUEUED  # type: ignore[union-attr]
    assert world.queue.sent[-1] == (nid, 0)
