"""`tctfmsg doctor` as a door: it prints each service's figures and one line per finding with
its runbook, the same as stable JSON with --json, and exits 1 exactly when something needs
attention. The checks behind it are tested in tests/unit/health."""

from __future__ import annotations

import json

import pytest

from tctfmsg.cli import doctor
from tctfmsg.core.health import Finding, ServiceHealth

HEALTHY = {"email": lambda: ServiceHealth("email", {"providers": {"ses": {"breaker": "closed"}}})}
SICK = {
    **HEALTHY,
    "campaigns": lambda: ServiceHealth(
        "campaigns",
        {
            "queues": {
                "delivery_dlq": {"visible": 2, "in_flight": 0, "delayed": 0, "oldest_age_s": None}
            },
            "open_failed_messages": 1,
            "stalled": [],
        },
        (Finding("campaigns", "1 open failed message(s) [bold]x[/]", "dead-letters.md"),),
    ),
}


class Probes(dict):
    built = 0


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> Probes:
    chosen = Probes()

    def build(cli: object, *limits: object) -> Probes:
        chosen.built += 1
        return chosen

    monkeypatch.setattr(doctor, "_probes", build)
    return chosen


def test_healthy_target_says_ok_and_exits_0(cli, probes) -> None:
    probes.update(HEALTHY)

    result = cli("doctor")

    assert result.exit_code == 0, result.output
    assert probes.built == 1
    assert "providers: ses (breaker=closed)" in result.output
    assert "ok: nothing needs attention" in result.output


def test_each_finding_is_one_line_with_its_runbook_and_exit_1(cli, probes) -> None:
    probes.update(SICK)

    result = cli("doctor")

    assert result.exit_code == 1
    assert "stalled: -" in result.output
    row = next(line for line in result.output.splitlines() if "delivery_dlq" in line)
    assert row.split()[1:] == ["campaigns", "│", "delivery_dlq", "│", "2", "│", "0", "│", "0",
                               "│", "unknown", "│"]  # fmt: skip
    assert (
        "campaigns: 1 open failed message(s) [bold]x[/] (runbook: docs/runbooks/dead-letters.md)"
        in result.output
    )


def test_json_has_stable_keys_and_the_same_exit_code(cli, probes) -> None:
    probes.update(SICK)

    result = cli("doctor", "--json")

    assert result.exit_code == 1
    report = json.loads(result.output)
    assert list(report) == ["ok", "services", "findings"]
    assert report["ok"] is False
    assert report["findings"][0]["runbook"] == "docs/runbooks/dead-letters.md"


@pytest.mark.parametrize("args", [("--stalled-after", "0"), ("--latency-sample", "5000")])
def test_out_of_range_limits_are_refused_before_anything_is_read(cli, probes, args) -> None:
    result = cli("doctor", *args)

    assert result.exit_code == 2
    assert probes.built == 0
