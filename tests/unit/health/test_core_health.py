"""The doctor's shared pieces: queue watches, one report with stable keys, and a service the
target refuses reported as a finding while the others are still looked at."""

from __future__ import annotations

from botocore.exceptions import ClientError

from tctfmsg.core.health import (
    Finding,
    QueueWatch,
    ServiceHealth,
    examine,
    watch_queues,
)
from tests.unit.health.fakes import SetQueues


def test_a_dead_letter_queue_with_any_message_is_a_finding_with_its_runbook() -> None:
    queues = SetQueues(depths={"dlq": (0, 1, 0)})

    figures, findings = watch_queues("svc", queues, [QueueWatch("dlq", "x.md", dead_letter=True)])

    assert figures["dlq"] == {"visible": 0, "in_flight": 1, "delayed": 0, "oldest_age_s": None}
    assert [f.line() for f in findings] == [
        "svc: 1 message(s) in dead-letter queue dlq (runbook: docs/runbooks/x.md)"
    ]


def test_an_empty_dead_letter_queue_and_a_busy_work_queue_are_not_findings() -> None:
    queues = SetQueues(depths={"work": (500, 10, 0)}, ages={"work": 30.0})
    watches = [
        QueueWatch("dlq", "x.md", dead_letter=True),
        QueueWatch("work", "y.md", max_age_s=60),
    ]

    _, findings = watch_queues("svc", queues, watches)

    assert findings == []


def test_an_old_oldest_message_is_a_finding_and_an_unknown_age_is_not() -> None:
    watches = [QueueWatch("work", "y.md", max_age_s=60), QueueWatch("other", "y.md", max_age_s=60)]

    _, findings = watch_queues("svc", SetQueues(ages={"work": 61.0}), watches)

    assert [f.what for f in findings] == ["oldest message in work is 61s old (over 60s)"]


def test_report_keys_are_stable_and_ok_only_without_findings() -> None:
    finding = Finding("b", "broken", "z.md")
    probes = {
        "a": lambda: ServiceHealth("a", {"n": 1}),
        "b": lambda: ServiceHealth("b", {"n": 2}, (finding,)),
    }

    report = examine(probes)

    assert report.needs_attention
    assert report.as_json() == {
        "ok": False,
        "services": {"a": {"n": 1}, "b": {"n": 2}},
        "findings": [{"service": "b", "what": "broken", "runbook": "docs/runbooks/z.md"}],
    }
    assert examine({"a": probes["a"]}).as_json()["ok"] is True


def test_a_service_the_target_refuses_is_a_finding_and_the_others_are_still_reported() -> None:
    def refused() -> ServiceHealth:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "Scan")

    report = examine({"a": refused, "b": lambda: ServiceHealth("b", {"n": 2})})

    assert [s.service for s in report.services] == ["a", "b"]
    assert [f.what for f in report.findings] == ["could not be checked: Scan: AccessDenied"]
