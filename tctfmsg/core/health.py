"""What `tctfmsg doctor` reports: each service's figures and its findings, each finding one line
naming what needs attention and the runbook to open. Services fill it in; nothing here knows one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

RUNBOOKS = "docs/runbooks"


@dataclass(frozen=True)
class Finding:
    service: str
    what: str
    runbook: str  # a file name under docs/runbooks/

    def line(self) -> str:
        return f"{self.service}: {self.what} (runbook: {RUNBOOKS}/{self.runbook})"

    def as_json(self) -> dict[str, str]:
        return {"service": self.service, "what": self.what, "runbook": f"{RUNBOOKS}/{self.runbook}"}


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    visible: int
    in_flight: int
    delayed: int
    oldest_age_s: float | None  # None: not known (no metric for it on this target)

    @property
    def total(self) -> int:
        """Every message in the queue: waiting, being read and delayed."""
        return self.visible + self.in_flight + self.delayed

    def as_json(self) -> dict[str, Any]:
        return {
            "visible": self.visible,
            "in_flight": self.in_flight,
            "delayed": self.delayed,
            "oldest_age_s": self.oldest_age_s,
        }


class QueueGauge(Protocol):
    def measure(self, logical: str) -> QueueFigures:
        """The queue's depth now and the age of its oldest message, by its logical name."""
        ...


@dataclass(frozen=True)
class ServiceHealth:
    service: str
    figures: Mapping[str, Any]
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Report:
    services: tuple[ServiceHealth, ...]

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.services for f in s.findings]

    @property
    def needs_attention(self) -> bool:
        return bool(self.findings)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": not self.needs_attention,
            "services": {s.service: dict(s.figures) for s in self.services},
            "findings": [f.as_json() for f in self.findings],
        }


@dataclass(frozen=True)
class QueueWatch:
    """One queue to look at, and what of it needs attention."""

    logical: str
    runbook: str
    dead_letter: bool = False  # any message in it needs attention
    max_age_s: float | None = None  # its oldest message older than this needs attention
    look_with: str = ""  # the command that shows what is in it, named in the finding


def watch_queues(
    service: str, gauge: QueueGauge, watches: Sequence[QueueWatch]
) -> tuple[dict[str, Any], list[Finding]]:
    figures: dict[str, Any] = {}
    findings: list[Finding] = []
    for watch in watches:
        measured = gauge.measure(watch.logical)
        figures[watch.logical] = measured.as_json()
        depth = measured.total
        if watch.dead_letter and depth:
            what = f"{depth} message(s) in dead-letter queue {watch.logical}"
            if watch.look_with:
                what += f": see `{watch.look_with}`"
            findings.append(Finding(service, what, watch.runbook))
        age = measured.oldest_age_s
        if watch.max_age_s is not None and age is not None and age > watch.max_age_s:
            findings.append(
                Finding(service, f"oldest message in {watch.logical} is {age:.0f}s old "
                        f"(over {watch.max_age_s:.0f}s)", watch.runbook)
            )  # fmt: skip
    return figures, findings


Probe = Callable[[], ServiceHealth]


def examine(probes: Mapping[str, Probe]) -> Report:
    """Every service looked at; one the target refuses (missing table, denied) is itself a
    finding, so the others are still reported."""
    found = []
    for service, probe in probes.items():
        try:
            found.append(probe())
        except ClientError as exc:
            error = exc.response.get("Error", {})
            what = f"could not be checked: {exc.operation_name}: {error.get('Code')}"
            found.append(ServiceHealth(service, {}, (Finding(service, what, "README.md"),)))
    return Report(tuple(found))
