"""`tctfmsg doctor`: every service's health at a glance; exit 1 when something needs attention."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import typer
from rich.table import Table

from tctfmsg.campaigns.services.health import CampaignHealthDeps, CampaignLimits, campaigns_health
from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import CliState, state
from tctfmsg.communication.services.health import (
    NotificationHealthDeps,
    NotificationLimits,
    notifications_health,
)
from tctfmsg.core import health
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.queue_gauge import SqsQueueGauge
from tctfmsg.email.health import backbone_health
from tctfmsg.user_messages.services.health import chat_health


def doctor_command(
    ctx: typer.Context,
    stalled_after: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1440,
            help="Minutes a sending campaign with recipients left may go without progress "
            "before it counts as stalled [default: the campaign_stalled_after_s setting, 10].",
        ),
    ] = None,
    latency_p99: Annotated[
        float,
        typer.Option(min=0.1, max=3600, help="Notification latency objective, seconds (p99)."),
    ] = 60.0,
    latency_sample: Annotated[
        int, typer.Option(min=1, max=1000, help="Newest sent notifications the latency is of.")
    ] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show each service's health (queues, dead letters, breakers, campaigns, notification
    latency, open WebSocket connections) and one line per finding with its runbook; exit 1
    when something needs attention."""
    cli = state(ctx)
    stalled_after_s = (
        stalled_after * 60.0 if stalled_after else cli.settings.campaign_stalled_after_s
    )
    report = health.examine(
        _probes(cli, CampaignLimits(stalled_after_s=stalled_after_s),
                NotificationLimits(latency_sample=latency_sample, latency_p99_s=latency_p99))
    )  # fmt: skip
    if as_json:
        print_json(report.as_json())
    else:
        _print(report)
    if report.needs_attention:
        raise typer.Exit(1)


def _probes(
    cli: CliState, campaign_limits: CampaignLimits, notification_limits: NotificationLimits
) -> dict[str, health.Probe]:
    clock, clients = SystemClock(), cli.clients
    gauge = SqsQueueGauge(clients.names, clients.client("sqs"), clients.client("cloudwatch"), clock)
    campaigns = cli.campaigns.dlq_deps
    backbone = cli.email.backbone
    return {
        "campaigns": partial(
            campaigns_health,
            CampaignHealthDeps(campaigns.campaigns, campaigns.failures, gauge, clock),
            campaign_limits,
        ),
        "communication": partial(
            notifications_health,
            NotificationHealthDeps(cli.communication.notifications, gauge),
            notification_limits,
        ),
        "email": partial(backbone_health, backbone.config_store, backbone.storages, clock),
        "user_messages": partial(chat_health, cli.user_messages.chat_deps.connections, clock),
    }


def _print(report: health.Report) -> None:
    queues = Table("service", "queue", "visible", "in flight", "delayed", "oldest age",
                   title="Queues", title_justify="left")  # fmt: skip
    for service in report.services:
        for name, q in service.figures.get("queues", {}).items():
            age = "unknown" if q["oldest_age_s"] is None else f"{q['oldest_age_s']:.0f}s"
            queues.add_row(service.service, name, str(q["visible"]), str(q["in_flight"]),
                           str(q["delayed"]), age)  # fmt: skip
    console.print(queues)
    for service in report.services:
        console.print(f"[bold]{service.service}[/]")
        for key, value in service.figures.items():
            if key != "queues":
                console.print(f"  {key}: {literal(_flat(value), 400)}")
    if not report.findings:
        console.print("[green]ok:[/] nothing needs attention")
        return
    console.print(f"[bold red]{len(report.findings)} finding(s):[/]")
    for finding in report.findings:
        console.print(f"  [red]![/] {literal(finding.line(), 400)}")


def _flat(value: Any, nested: bool = False) -> str:
    if isinstance(value, dict):
        inner = " ".join(f"{k}={_flat(v, True)}" for k, v in value.items())
        if not nested:
            inner = ", ".join(
                f"{k} ({_flat(v, True)})" if isinstance(v, dict) else f"{k}={_flat(v, True)}"
                for k, v in value.items()
            )
        return inner or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return "unknown" if value is None else str(value)
