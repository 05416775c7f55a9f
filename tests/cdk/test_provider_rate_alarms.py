"""Resend's and SendGrid's bounce and complaint rates alarm near the campaign guard's
thresholds, from the counts our functions publish per provider, and only once enough messages
were accepted for a rate to mean something (docs/decisions/0092)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from cdk.components.alarms import NEAR_THRESHOLD, RATE_PROVIDERS
from tctfmsg.core import resources
from tctfmsg.core.metric_names import EMAIL_SENT, email_event_metric
from tctfmsg.core.settings import Settings

from .conftest import STAGE

REPO = Path(__file__).resolve().parents[2]
KINDS = (
    ("bounce", "bounced", Settings().campaign_bounce_rate),
    ("complaint", "complained", Settings().campaign_complaint_rate),
)


def _shared_alarm(templates: dict[str, Template], what: str) -> dict[str, Any]:
    name = resources.physical_name(STAGE, what)
    found = templates[resources.SHARED].find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": name}}
    )
    assert len(found) == 1, f"no alarm {name} in the shared stack"
    return next(iter(found.values()))["Properties"]


def test_the_rate_alarms_cover_resend_and_sendgrid():
    assert set(RATE_PROVIDERS) == {"resend", "sendgrid"}


@pytest.mark.parametrize("provider", RATE_PROVIDERS)
@pytest.mark.parametrize(("what", "kind", "limit"), KINDS)
def test_each_providers_rate_divides_its_reported_events_by_what_it_accepted(
    templates, provider, what, kind, limit
):
    props = _shared_alarm(templates, f"{provider}-{what}-rate")
    stats = {m["Id"]: m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m}
    (expression,) = [m["Expression"] for m in props["Metrics"] if m.get("ReturnData", True)]
    dims = {
        key: {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]}
        for key, stat in stats.items()
    }
    senders = {spec.service for spec in resources.FUNCTIONS if spec.sends_email}

    sent = {k for k, s in stats.items() if s["Metric"]["MetricName"] == EMAIL_SENT}
    assert {dims[k]["service"] for k in sent} == senders  # every sending service's sends
    assert stats["events"]["Metric"]["MetricName"] == email_event_metric(kind)
    assert dims["events"] == {"service": "campaigns", "Provider": provider}
    assert all(d["Provider"] == provider for d in dims.values())
    assert all(s["Stat"] == "Sum" and s["Period"] == 3600 for s in stats.values())
    min_sends = Settings().campaign_reputation_min_sends
    assert expression.startswith("IF(") and f">= {min_sends}, FILL(events, 0) /" in expression
    assert props["Threshold"] == pytest.approx(limit * NEAR_THRESHOLD)
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["AlarmDescription"].endswith("docs/runbooks/deliverability.md")


@pytest.mark.parametrize("provider", RATE_PROVIDERS)
@pytest.mark.parametrize("what", ["bounce", "complaint"])
def test_the_runbook_names_each_rate_alarm(templates, provider, what):
    props = _shared_alarm(templates, f"{provider}-{what}-rate")
    runbook = REPO / props["AlarmDescription"].rsplit("Runbook: ", 1)[1]
    assert f"`tctfmsg-STAGE-{provider}-{what}-rate`" in runbook.read_text()
