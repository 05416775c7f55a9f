"""Every alarm of issue 16 in the synthesized templates, on the stage's one topic, each naming a
runbook that exists; the topic, its email subscription, and the stage's dashboard (0085)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk.components.alarm_topic import alarm_topic_name
from cdk.components.alarms import LATENCY_OBJECTIVE_MS, OLDEST_MESSAGE_S
from cdk.stacks import SharedStack
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.metric_names import CAMPAIGNS_STALLED
from tctfmsg.email.message import PROVIDERS

from .conftest import OFFLINE, STAGE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def alarms(templates: dict[str, Template]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Alarm name → (owner of the stack it is in, its properties)."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for owner, template in templates.items():
        for resource in template.find_resources("AWS::CloudWatch::Alarm").values():
            props = resource["Properties"]
            assert props["AlarmName"] not in found, f"two alarms named {props['AlarmName']}"
            found[props["AlarmName"]] = (owner, props)
    return found


def _alarm(alarms: dict[str, tuple[str, dict[str, Any]]], what: str, owner: str) -> dict[str, Any]:
    name = resources.physical_name(STAGE, what)
    assert name in alarms, f"no alarm {name}"
    found_in, props = alarms[name]
    assert found_in == owner
    return props


def _metrics(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Metric id → metric of a math alarm."""
    return {m["Id"]: m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m}


def _dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}


def test_every_alarm_acts_on_the_stages_topic_and_names_a_runbook_that_exists(alarms, templates):
    topic = alarm_topic_name(STAGE)
    topics = templates[resources.SHARED].find_resources("AWS::SNS::Topic")
    (topic_id,) = [k for k, v in topics.items() if v["Properties"]["TopicName"] == topic]
    for name, (owner, props) in alarms.items():
        (action,) = props["AlarmActions"]
        if owner == resources.SHARED:
            assert action == {"Ref": topic_id}, name
        else:  # by the ARN its name gives, as the shared slice is named (0063)
            assert json.dumps(action).endswith(f':{topic}"]]}}'), name
        runbook = props["AlarmDescription"].rsplit("Runbook: ", 1)[1]
        assert (REPO / runbook).is_file(), f"{name}: {runbook} does not exist"
        assert props["TreatMissingData"] == "notBreaching"


def test_every_dead_letter_queue_alarms_on_a_message_waiting_or_taken(alarms):
    dead = {q.dead_letter for q in resources.QUEUES if q.dead_letter}
    assert dead
    for logical in dead:
        props = _alarm(alarms, f"{logical}-dead-letters", resources.queue(logical).owner)
        metrics = _metrics(props)
        names = {m["MetricName"] for m in metrics.values()}
        assert names == {"ApproximateNumberOfMessagesVisible", "NumberOfMessagesReceived"}
        for metric in metrics.values():
            assert _dimensions(metric) == {
                "QueueName": resources.queue(logical).physical_name(STAGE)
            }
        assert props["Threshold"] == 0 and props["ComparisonOperator"] == "GreaterThanThreshold"


def test_every_other_queue_alarms_on_the_age_of_its_oldest_message(alarms):
    dead = {q.dead_letter for q in resources.QUEUES if q.dead_letter}
    for queue in resources.QUEUES:
        if queue.logical in dead:
            continue
        props = _alarm(alarms, f"{queue.logical}-oldest-message", queue.owner)
        assert props["MetricName"] == "ApproximateAgeOfOldestMessage"
        assert _dimensions(props) == {"QueueName": queue.physical_name(STAGE)}
    notifications = _alarm(alarms, "notification_queue-oldest-message", "communication")
    assert notifications["Threshold"] == OLDEST_MESSAGE_S["notification_queue"]


@pytest.mark.parametrize("kind", ["Errors", "Throttles"])
def test_every_function_alarms_on_its_errors_and_throttles(alarms, kind):
    for spec in resources.FUNCTIONS:
        props = _alarm(alarms, f"{spec.logical}-{kind.lower()}", spec.service)
        assert (props["Namespace"], props["MetricName"]) == ("AWS/Lambda", kind)
        assert _dimensions(props) == {"FunctionName": spec.physical_name(STAGE)}
        assert props["Threshold"] == 0


def test_every_rest_and_public_http_api_alarms_on_5xx(alarms):
    for spec in resources.FUNCTIONS:
        if spec.api:
            props = _alarm(alarms, f"{spec.logical}-5xx", spec.service)
            assert props["MetricName"] == "5XXError"
            assert _dimensions(props)["ApiName"] == spec.physical_name(STAGE)
    public = {spec.service for spec in resources.FUNCTIONS if spec.http_routes}
    assert public
    for service in public:
        props = _alarm(alarms, f"{service}-public-api-5xx", service)
        assert props["MetricName"] == "5xx" and "ApiId" in _dimensions(props)


def test_the_websocket_api_alarms_on_route_failures_and_refused_connections(alarms):
    failures = _metrics(_alarm(alarms, "chat-websocket-5xx", "user_messages"))
    assert {m["MetricName"] for m in failures.values()} == {"IntegrationError", "ExecutionError"}
    assert all(_dimensions(m)["Stage"] == STAGE for m in failures.values())
    refused = _alarm(alarms, "chat-connection-errors", "user_messages")
    assert {m["MetricName"] for m in _metrics(refused).values()} == {
        "Connections",
        "ConnectionsRefused",
    }
    # the names the $connect handler counts under
    connect = (REPO / "lambdas/user_messages/connect.py").read_text()
    assert 'name="ConnectionsRefused"' in connect and 'name="Connections"' in connect


def test_a_campaign_that_stalls_or_pauses_itself_raises_an_alarm(alarms):
    stalled = _alarm(alarms, "campaign-stalled", "campaigns")
    # the count the scheduler's tick emits by Campaign.stalled, the doctor's definition (0093)
    assert (stalled["Namespace"], stalled["MetricName"]) == ("tctfmsg", CAMPAIGNS_STALLED)
    assert _dimensions(stalled) == {"service": "campaigns"}
    assert (stalled["Statistic"], stalled["Threshold"]) == ("Maximum", 0)
    assert "no outcome for 10 minutes" in stalled["AlarmDescription"]
    scheduler = (REPO / "lambdas/campaigns/scheduler.py").read_text()
    assert "name=CAMPAIGNS_STALLED" in scheduler
    paused = _alarm(alarms, "campaign-auto-paused", "campaigns")
    assert (paused["Namespace"], paused["MetricName"]) == ("tctfmsg", "CampaignAutoPaused")
    assert _dimensions(paused) == {"service": "campaigns"}


def test_notification_latency_p99_is_held_to_its_objective(alarms):
    props = _alarm(alarms, "notification-latency-p99", "communication")
    assert (props["Namespace"], props["MetricName"]) == ("tctfmsg", "NotificationLatency")
    assert props["ExtendedStatistic"] == "p99"
    assert props["Threshold"] == LATENCY_OBJECTIVE_MS


def test_each_providers_breaker_opening_alarms_in_the_shared_stack(alarms):
    senders = {spec.service for spec in resources.FUNCTIONS if spec.sends_email}
    for provider in PROVIDERS:
        metrics = _metrics(_alarm(alarms, f"{provider}-breaker-open", resources.SHARED))
        assert {m["MetricName"] for m in metrics.values()} == {f"BreakerOpened-{provider}"}
        assert {_dimensions(m)["service"] for m in metrics.values()} == senders


def test_ses_bounce_and_complaint_rates_alarm_before_the_review_thresholds(alarms):
    bounce = _alarm(alarms, "ses-bounce-rate", resources.SHARED)
    complaint = _alarm(alarms, "ses-complaint-rate", resources.SHARED)
    assert (bounce["Namespace"], bounce["MetricName"]) == ("AWS/SES", "Reputation.BounceRate")
    assert complaint["MetricName"] == "Reputation.ComplaintRate"
    assert 0 < bounce["Threshold"] < 0.05 and 0 < complaint["Threshold"] < 0.001


def test_the_shared_stack_holds_the_stages_one_alarm_topic_ssl_only(templates):
    topics = templates[resources.SHARED].find_resources("AWS::SNS::Topic")
    named = [t for t in topics.values() if t["Properties"]["TopicName"] == alarm_topic_name(STAGE)]
    assert len(named) == 1
    policies = json.dumps(templates[resources.SHARED].find_resources("AWS::SNS::TopicPolicy"))
    assert "aws:SecureTransport" in policies
    # the stage's alarm_email (required outside dev, decision 0087), and no one else
    subscribed = templates[resources.SHARED].find_resources(
        "AWS::SNS::Subscription", {"Properties": {"Protocol": "email"}}
    )
    assert [s["Properties"]["Endpoint"] for s in subscribed.values()] == [OFFLINE["alarm_email"]]


def _shared(context: dict[str, str]) -> Template:
    app = cdk.App(context={"bundling": "skip", **context})
    return Template.from_stack(SharedStack(app, stage=STAGE))


def test_alarm_email_from_context_subscribes_to_the_topic():
    template = _shared({"alarm_email": "oncall@example.com"})
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )


@pytest.mark.parametrize("bad", ["not-an-address", "a@b.com,c@d.com", "a@b.com\nx", "@x.com"])
def test_an_alarm_email_that_is_not_one_address_fails_the_synth(bad):
    with pytest.raises(ConfigurationError, match="alarm_email"):
        _shared({"alarm_email": bad})


def test_the_stage_dashboard_shows_every_queue_function_and_service_figure(templates):
    (dashboard,) = templates[resources.SHARED].find_resources("AWS::CloudWatch::Dashboard").values()
    props = dashboard["Properties"]
    assert props["DashboardName"] == resources.physical_name(STAGE, "dashboard")
    body = json.dumps(props["DashboardBody"])
    for spec in (*resources.QUEUES, *resources.FUNCTIONS):
        assert spec.physical_name(STAGE) in body, spec.logical
    for figure in ("Delivery-sent", "CampaignAutoPaused", "NotificationLatency", "Connections"):
        assert figure in body
