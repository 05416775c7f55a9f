"""The alarms of a stage, built from the resource spec (docs/decisions/0085): each on the stage's
alarm topic, named `tctfmsg-<stage>-<what>`, its description naming the runbook an operator
follows (docs/runbooks/). Missing data is "not breaching": a quiet stage is a healthy one.

A service stack gets, from its part of the spec: dead letters for every dead-letter queue, the
age of the oldest message for every other queue, errors and throttles for every function, 5xx
for its REST and public HTTP APIs, and what only that service can say (a stalled or auto-paused
campaign, notification latency, WebSocket connection errors). The shared stack gets what belongs
to the backbone: a provider's breaker opening and SES's bounce and complaint rates.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk.components.function_settings import stage_setting
from tctfmsg.core import resources, settings
from tctfmsg.core.metric_names import CAMPAIGN_AUTO_PAUSED as AUTO_PAUSED
from tctfmsg.core.metric_names import (
    CAMPAIGNS_STALLED,
    EMAIL_SENT,
    NOTIFICATION_LATENCY,
    PROVIDER_DIMENSION,
    PROVIDER_EVENTS_SERVICE,
    breaker_opened_metric,
    email_event_metric,
)
from tctfmsg.core.metric_names import EMAIL_PROVIDERS as PROVIDERS

NAMESPACE = "tctfmsg"  # the handlers' Powertools Metrics namespace (lambdas/*/_common.py)
RUNBOOKS = "docs/runbooks"
FIVE_MINUTES = cdk.Duration.minutes(5)
# How old the oldest waiting message may grow: a campaign of a million recipients drains for
# hours at the provider's rate, a provider event should apply within minutes, and a
# notification (an MFA code) within seconds of its turn.
OLDEST_MESSAGE_S = {"delivery": 3 * 3600, "provider_events": 900, "notification_queue": 120}
DEFAULT_OLDEST_MESSAGE_S = 900
# Where each dead-letter queue's messages are dealt with (every other: dead-letters.md).
DEAD_LETTER_RUNBOOKS = {
    "notification_dlq": "notifications.md",
    "provider_events_dlq": "deliverability.md",
}
LATENCY_OBJECTIVE_MS = 10_000  # p99 from accepted to sent for a transactional notification
# Near SES's review thresholds (the campaign guard pauses a campaign at them): 80 % of them.
NEAR_THRESHOLD = 0.8
# The providers whose rates only our own counts give (SES's come from SES itself, above), over
# an hour: bounces come back minutes after the send. Below the campaign guard's minimum of
# sends in the hour the rate is noise (1 bounce of 2 sends is not 50 %).
RATE_PROVIDERS = tuple(p for p in PROVIDERS if p != "ses")
RATE_PERIOD = cdk.Duration.hours(1)
# A refused connection is a bad or expired token; a fifth of all connects is no longer noise.
REFUSED_CONNECTIONS_RATIO = 0.2
MIN_CONNECTS = 20
CONNECTIONS_METRIC, REFUSED_METRIC = "Connections", "ConnectionsRefused"  # lambdas/user_messages


class AlarmSet(Construct):
    """Alarms on one topic; `alarms` maps each alarm's name to it (what tests and the dashboard
    read)."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str, topic: sns.ITopic):
        super().__init__(scope, construct_id)
        self.stage = stage
        self.action = actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

    def add(
        self,
        what: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        runbook: str,
        means: str,
        evaluation_periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        name = resources.physical_name(self.stage, what)
        alarm = cloudwatch.Alarm(
            self,
            what,
            alarm_name=name,
            alarm_description=f"{means} Runbook: {RUNBOOKS}/{runbook}",
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
        self.alarms[name] = alarm
        return alarm


def service_metric(
    service: resources.Service, name: str, statistic: str = "Sum"
) -> cloudwatch.Metric:
    """A metric a service's handlers emit (Powertools adds the `service` dimension)."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        statistic=statistic,
        period=FIVE_MINUTES,
    )


def queue_metric(stage: str, queue: str, name: str, statistic: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/SQS",
        metric_name=name,
        dimensions_map={"QueueName": resources.queue(queue).physical_name(stage)},
        statistic=statistic,
        period=FIVE_MINUTES,
    )


def function_metric(stage: str, logical: str, name: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name=name,
        dimensions_map={"FunctionName": resources.function(logical).physical_name(stage)},
        statistic="Sum",
        period=FIVE_MINUTES,
    )


def add_queue_alarms(alarms: AlarmSet, service: resources.Service) -> None:
    queues = [q for q in resources.QUEUES if q.owner == service]
    dead = {q.dead_letter for q in queues if q.dead_letter}
    for queue in queues:
        if queue.logical in dead:
            # A monitor takes dead letters off at once (depth stays 0), so what arrived counts too.
            visible = "ApproximateNumberOfMessagesVisible"
            waiting = queue_metric(alarms.stage, queue.logical, visible, "Maximum")
            taken = queue_metric(alarms.stage, queue.logical, "NumberOfMessagesReceived", "Sum")
            alarms.add(
                f"{queue.logical}-dead-letters",
                cloudwatch.MathExpression(
                    expression="FILL(waiting, 0) + FILL(taken, 0)",
                    using_metrics={"waiting": waiting, "taken": taken},
                    label="dead letters waiting or taken",
                    period=FIVE_MINUTES,
                ),
                threshold=0,
                runbook=DEAD_LETTER_RUNBOOKS.get(queue.logical, "dead-letters.md"),
                means=f"Messages reached the dead-letter queue {queue.logical} after every retry.",
            )
            continue
        limit = OLDEST_MESSAGE_S.get(queue.logical, DEFAULT_OLDEST_MESSAGE_S)
        alarms.add(
            f"{queue.logical}-oldest-message",
            queue_metric(alarms.stage, queue.logical, "ApproximateAgeOfOldestMessage", "Maximum"),
            threshold=limit,
            evaluation_periods=2,
            runbook="queue-backlog.md",
            means=f"The oldest message on {queue.logical} has waited over {limit} s.",
        )


def add_function_alarms(alarms: AlarmSet, service: resources.Service) -> None:
    for spec in resources.FUNCTIONS:
        if spec.service != service:
            continue
        for kind, means in (
            ("Errors", "failed (an exception or a timeout)"),
            ("Throttles", "was throttled: a request or a batch found no instance free"),
        ):
            alarms.add(
                f"{spec.logical}-{kind.lower()}",
                function_metric(alarms.stage, spec.logical, kind),
                threshold=0,
                runbook="function-errors.md",
                means=f"The function {spec.logical} {means}.",
            )


def add_api_alarms(
    alarms: AlarmSet,
    service: resources.Service,
    rest_apis: Mapping[str, cloudwatch.IMetric],
    http_api: apigwv2.HttpApi | None,
) -> None:
    """5xx of each REST API (by function) and of the service's public HTTP API."""
    for logical, server_errors in rest_apis.items():
        alarms.add(
            f"{logical}-5xx",
            server_errors,
            threshold=0,
            runbook="api-errors.md",
            means=f"The REST API of {logical} answered 5xx.",
        )
    if http_api is not None:
        alarms.add(
            f"{service}-public-api-5xx",
            http_api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=0,
            runbook="api-errors.md",
            means="The public HTTP API (unsubscribe page, provider webhooks) answered 5xx.",
        )


def add_campaign_alarms(alarms: AlarmSet) -> None:
    # The scheduler's every-minute tick counts the campaigns that are sending with recipients
    # left and no outcome counted for the stage's campaign_stalled_after_s (Campaign.stalled,
    # the definition `tctfmsg doctor` uses): whatever the queue holds (decision 0093).
    after_min = stage_setting(alarms, "campaign_stalled_after_s") / 60
    alarms.add(
        "campaign-stalled",
        service_metric("campaigns", CAMPAIGNS_STALLED, statistic="Maximum"),
        threshold=0,
        runbook="campaign-stuck.md",
        means=f"A campaign is sending with recipients left and has counted no outcome for "
        f"{after_min:g} minutes.",
    )
    alarms.add(
        "campaign-auto-paused",
        service_metric("campaigns", AUTO_PAUSED),
        threshold=0,
        runbook="deliverability.md",
        means="A campaign paused itself: its failure, bounce or complaint rate crossed a "
        "threshold.",
    )


def add_notification_alarms(alarms: AlarmSet) -> None:
    alarms.add(
        "notification-latency-p99",
        service_metric("communication", NOTIFICATION_LATENCY, statistic="p99"),
        threshold=LATENCY_OBJECTIVE_MS,
        evaluation_periods=2,
        runbook="notification-latency.md",
        means=f"The p99 of notifications' time from accepted to sent is over its objective, "
        f"{LATENCY_OBJECTIVE_MS} ms.",
    )


def add_websocket_alarms(alarms: AlarmSet, api: apigwv2.WebSocketApi, stage_name: str) -> None:
    def api_metric(name: str) -> cloudwatch.Metric:
        return api.metric(
            name,
            dimensions_map={"ApiId": api.api_id, "Stage": stage_name},
            statistic="Sum",
            period=FIVE_MINUTES,
        )

    alarms.add(
        "chat-websocket-5xx",
        cloudwatch.MathExpression(
            expression="FILL(integration, 0) + FILL(execution, 0)",
            using_metrics={
                "integration": api_metric("IntegrationError"),
                "execution": api_metric("ExecutionError"),
            },
            label="integration and execution errors",
            period=FIVE_MINUTES,
        ),
        threshold=0,
        runbook="api-errors.md",
        means="The chat WebSocket API failed to run a route (integration or execution errors).",
    )
    alarms.add(
        "chat-connection-errors",
        cloudwatch.MathExpression(
            expression=f"IF(FILL(ok, 0) + FILL(refused, 0) >= {MIN_CONNECTS}, "
            "FILL(refused, 0) / (FILL(ok, 0) + FILL(refused, 0)), 0)",
            using_metrics={
                "ok": service_metric("user_messages", CONNECTIONS_METRIC),
                "refused": service_metric("user_messages", REFUSED_METRIC),
            },
            label="share of connects refused",
            period=FIVE_MINUTES,
        ),
        threshold=REFUSED_CONNECTIONS_RATIO,
        evaluation_periods=2,
        runbook="websocket-connections.md",
        means=f"Over {REFUSED_CONNECTIONS_RATIO:.0%} of WebSocket connects were refused "
        "(bad or expired tokens).",
    )


def add_backbone_alarms(alarms: AlarmSet) -> None:
    """A breaker opening (in any sending service), and SES's account reputation near the
    thresholds at which SES reviews the account."""
    senders = sorted({spec.service for spec in resources.FUNCTIONS if spec.sends_email})
    for provider in PROVIDERS:
        opened = {
            f"m{i}": service_metric(service, breaker_opened_metric(provider))
            for i, service in enumerate(senders)
        }
        alarms.add(
            f"{provider}-breaker-open",
            cloudwatch.MathExpression(
                expression=" + ".join(f"FILL({key}, 0)" for key in opened),
                using_metrics=opened,
                label=f"{provider} breaker openings",
                period=FIVE_MINUTES,
            ),
            threshold=0,
            runbook="provider-outage.md",
            means=f"The {provider} breaker opened: its sends fail over to the next provider.",
        )
    add_provider_rate_alarms(alarms, senders)
    for what, metric, setting in (
        ("bounce", "Reputation.BounceRate", "campaign_bounce_rate"),
        ("complaint", "Reputation.ComplaintRate", "campaign_complaint_rate"),
    ):
        limit = settings.Settings.model_fields[setting].default
        alarms.add(
            f"ses-{what}-rate",
            cloudwatch.Metric(
                namespace="AWS/SES", metric_name=metric, statistic="Maximum", period=FIVE_MINUTES
            ),
            threshold=limit * NEAR_THRESHOLD,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            runbook="deliverability.md",
            means=f"SES's {what} rate for the account is near {limit:.2%}, where SES reviews it.",
        )


def add_provider_rate_alarms(alarms: AlarmSet, senders: list[str]) -> None:
    """Each provider's bounce and complaint rate from our own counts (docs/decisions/0092): the
    events it reported back over the messages it accepted, once enough were sent."""
    fields = settings.Settings.model_fields
    min_sends = fields["campaign_reputation_min_sends"].default
    for provider in RATE_PROVIDERS:

        def counted(service: str, name: str, provider: str = provider) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=NAMESPACE,
                metric_name=name,
                dimensions_map={"service": service, PROVIDER_DIMENSION: provider},
                statistic="Sum",
                period=RATE_PERIOD,
            )

        sent = {f"sent{i}": counted(service, EMAIL_SENT) for i, service in enumerate(senders)}
        sends = "(" + " + ".join(f"FILL({key}, 0)" for key in sent) + ")"
        for what, kind, setting in (
            ("bounce", "bounced", "campaign_bounce_rate"),
            ("complaint", "complained", "campaign_complaint_rate"),
        ):
            limit = fields[setting].default
            events = counted(PROVIDER_EVENTS_SERVICE, email_event_metric(kind))
            alarms.add(
                f"{provider}-{what}-rate",
                cloudwatch.MathExpression(
                    expression=f"IF({sends} >= {min_sends}, FILL(events, 0) / {sends}, 0)",
                    using_metrics={**sent, "events": events},
                    label=f"{provider} {what}s per message accepted",
                    period=RATE_PERIOD,
                ),
                threshold=limit * NEAR_THRESHOLD,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                runbook="deliverability.md",
                means=f"{provider}'s {what} rate over the last hour (at least {min_sends} "
                f"messages accepted) is near {limit:.2%}, where the campaign guard pauses a "
                f"campaign and providers review an account.",
            )
