"""The stage's CloudWatch dashboard (docs/decisions/0085): one row per service with its key
figures, every metric named from the resource spec, so the shared stack draws it without a
reference to another stack. What API Gateway counts under API ids minted at deploy time is on
the services' alarms, not here."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from cdk.components.alarms import (
    AUTO_PAUSED,
    CONNECTIONS_METRIC,
    NOTIFICATION_LATENCY,
    REFUSED_METRIC,
    function_metric,
    queue_metric,
    service_metric,
)
from tctfmsg.core import resources
from tctfmsg.core.metric_names import DELIVERY_OUTCOMES, breaker_opened_metric
from tctfmsg.core.metric_names import EMAIL_PROVIDERS as PROVIDERS

WIDTH = 8  # three graphs a row (a dashboard is 24 units wide)


class StageDashboard(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=resources.physical_name(stage, "dashboard")
        )
        for service in resources.SERVICES:
            self.dashboard.add_widgets(
                cloudwatch.TextWidget(markdown=f"## {service}", width=24, height=1)
            )
            self.dashboard.add_widgets(*self._service_row(service))
        senders = sorted({f.service for f in resources.FUNCTIONS if f.sends_email})
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown="## email backbone", width=24, height=1),
            self._graph(
                "breaker openings",
                [
                    service_metric(service, breaker_opened_metric(provider))
                    for provider in PROVIDERS
                    for service in senders
                ],
            ),
        )

    def _service_row(self, service: resources.Service) -> list[cloudwatch.IWidget]:
        queues = [q.logical for q in resources.QUEUES if q.owner == service]
        functions = [f.logical for f in resources.FUNCTIONS if f.service == service]
        row: list[cloudwatch.IWidget] = []
        if queues:
            visible = "ApproximateNumberOfMessagesVisible"
            oldest = "ApproximateAgeOfOldestMessage"
            row.append(
                self._graph(
                    "messages waiting",
                    [queue_metric(self.stage, q, visible, "Maximum") for q in queues],
                )
            )
            row.append(
                self._graph(
                    "oldest message (s)",
                    [queue_metric(self.stage, q, oldest, "Maximum") for q in queues],
                )
            )
        row.append(
            self._graph(
                "function errors and throttles",
                [
                    function_metric(self.stage, f, kind)
                    for f in functions
                    for kind in ("Errors", "Throttles")
                ],
            )
        )
        row.extend(self._figures(service))
        return row

    def _figures(self, service: resources.Service) -> list[cloudwatch.IWidget]:
        """What only this service counts."""
        if service == "campaigns":
            outcomes = DELIVERY_OUTCOMES  # Delivery-{outcome}
            return [
                self._graph(
                    "deliveries", [service_metric(service, f"Delivery-{o}") for o in outcomes]
                ),
                self._graph("auto-paused", [service_metric(service, AUTO_PAUSED)]),
            ]
        if service == "communication":
            return [
                self._graph(
                    "notification latency (ms)",
                    [
                        service_metric(service, NOTIFICATION_LATENCY, statistic=p)
                        for p in ("p50", "p99")
                    ],
                ),
            ]
        return [
            self._graph(
                "connections",
                [service_metric(service, m) for m in (CONNECTIONS_METRIC, REFUSED_METRIC)],
            )
        ]

    def _graph(self, title: str, metrics: list[cloudwatch.Metric]) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=metrics, width=WIDTH, height=6)
