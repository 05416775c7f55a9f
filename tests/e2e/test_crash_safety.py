"""SIGKILL of an embedded-stack process mid-campaign (decision 0082): the supervisor brings the
AWS process back with every acknowledged write, `local up` brings a killed daemon back with
its state and its providers' outbox, the campaign still exists and no one is sent twice."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from tctfmsg.local import state as stack_state
from tctfmsg.local import supervisor
from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, wait_for

RECIPIENTS = 80


def _slow_wait(what: str, check: Any) -> Any:
    # generous: a killed runtime's claims settle only after their visibility timeouts, on a
    # machine other tests share
    return wait_for(what, check, timeout_s=150.0)


def _started_campaign(stack: Stack, tmp_path: Path, name: str) -> tuple[str, list[str]]:
    emails = [f"{name}{i}@example.com" for i in range(RECIPIENTS)]
    source = tmp_path / f"{name}.csv"
    source.write_text("email,name\n" + "".join(f"{e},N{i}\n" for i, e in enumerate(emails)))
    stack.cli("subscriber", "import", str(source), "--list", name, check=True)
    created = as_json(
        stack, "campaign", "create", "--name", name, "--template", "newsletter",
        "--subject", "Hello", "--list", name,
    )  # fmt: skip
    # slow enough that the kill lands mid-campaign
    stack.cli("local", "fault", "ses", "--slow", "150", check=True)
    stack.cli("campaign", "send-now", created["campaign_id"], check=True)
    return str(created["campaign_id"]), emails


def _sent(stack: Stack, campaign_id: str) -> int:
    return int(as_json(stack, "campaign", "status", campaign_id)["counters"]["sent"])


def _outbox(stack: Stack, emails: list[str]) -> Counter[str]:
    wanted = set(emails)
    return Counter(m["to"] for m in as_json(stack, "local", "outbox") if m["to"] in wanted)


def _settled(stack: Stack, campaign_id: str) -> dict[str, Any]:
    status = as_json(stack, "campaign", "status", campaign_id)
    counters = status["counters"]
    done = counters["sent"] + counters["failed"] + counters["skipped"] == RECIPIENTS
    return status if status["status"] == "completed" and done else {}


def test_sigkill_of_the_aws_process_mid_campaign_loses_nothing_and_sends_no_one_twice(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    campaign_id, emails = _started_campaign(stack, tmp_path, "awskill")
    _slow_wait("the first sends", lambda: _sent(stack, campaign_id) >= 5)
    daemon = stack_state.read(stack.home / "local")
    assert daemon is not None
    aws_pid = supervisor.read(stack.home / "local", daemon.pid)["aws"]["pid"]

    os.kill(aws_pid, signal.SIGKILL)
    repaired = stack.cli("local", "up", check=True)
    components = _slow_wait(
        "the AWS process restarted",
        lambda: (
            (c := as_json(stack, "local", "status")["components"])["aws"]["restarts"] == 1 and c
        ),
    )
    stack.cli("local", "fault", "ses", "--up", check=True)
    status = _slow_wait("the campaign to finish", lambda: _settled(stack, campaign_id))

    assert "repaired aws" in repaired.stdout or "already running" in repaired.stdout
    assert all(c["alive"] for c in components.values())
    assert components["aws"]["pid"] != aws_pid
    sent = _outbox(stack, emails)
    assert max(sent.values()) == 1  # no one twice
    assert len(sent) == status["counters"]["sent"]  # every SENT delivery was really sent


def test_sigkill_of_the_daemon_mid_campaign_keeps_the_campaign_and_the_outbox(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    campaign_id, emails = _started_campaign(stack, tmp_path, "runtimekill")
    _slow_wait("the first sends", lambda: _sent(stack, campaign_id) >= 5)
    daemon = stack_state.read(stack.home / "local")
    assert daemon is not None
    before = _outbox(stack, emails)

    os.kill(daemon.pid, signal.SIGKILL)
    up = stack.cli("local", "up", check=True)
    stack.cli("local", "fault", "ses", "--up", check=True)
    after_restart = _outbox(stack, emails)
    status = _slow_wait("the campaign to finish", lambda: _settled(stack, campaign_id))

    assert "restored saved state" in up.stdout
    assert after_restart >= before  # the outbox survived the kill
    sent = _outbox(stack, emails)
    assert max(sent.values()) == 1  # no one twice
    assert len(sent) == status["counters"]["sent"]
    # a delivery the killed runtime had claimed is `interrupted`: retry leaves it out
    interrupted = [
        f for f in as_json(stack, "dlq", "list", "--campaign", campaign_id)
        if f["reason"] == "interrupted"
    ]  # fmt: skip
    retried = as_json(stack, "dlq", "retry", "--campaign", campaign_id)
    assert len(retried["left_uncertain"]) == len(interrupted)
    assert retried["retried"] == []
