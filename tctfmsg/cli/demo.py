"""`tctfmsg demo`: the README's main job, the whole campaign story on the embedded stack."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.cli.console import console, literal, print_json, summary_table
from tctfmsg.cli.context import state
from tctfmsg.core.errors import TctfmsgError
from tctfmsg.local import demo


class _RichReporter:
    def __init__(self, progress: Progress) -> None:
        self.bar = progress
        self.task: TaskID | None = None

    def step(self, text: str) -> None:
        self.bar.console.print(f"[bold cyan]•[/] {literal(text)}")

    def progress(self, campaign: Campaign, total: int) -> None:
        c = campaign.counters
        if self.task is None:
            self.task = self.bar.add_task("sending", total=total)
        self.bar.update(
            self.task,
            total=total,  # the audience from the start: the bar never jumps back
            completed=c.settled,
            description=f"{campaign.status.value.lower()}: sent {c.sent}, skipped {c.skipped}, "
            f"failed {c.failed}",
        )


class _QuietReporter:
    def step(self, text: str) -> None:
        pass

    def progress(self, campaign: Campaign, total: int) -> None:
        pass


def demo_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import the sample list, send a newsletter through an SES outage, and prove every
    recipient got it exactly once."""
    settings = state(ctx).settings
    if as_json:
        report = demo.run(settings, _QuietReporter())
        print_json(report_json(report))
    else:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            report = demo.run(settings, _RichReporter(bar))
        _print(report)
    t = report.transactional
    if not (t.repeat_same_id and t.repeat_sent_nothing):
        raise TctfmsgError(
            "a repeated idempotency key sent a notification again",
            "this is a bug: keep the stack running and see docs/runbooks/",
        )
    if not report.audit.clean:
        raise TctfmsgError(
            f"{report.audit.dropped} dropped, {report.audit.duplicated} duplicated",
            "this is a bug: keep the stack running and see docs/runbooks/",
        )


def report_json(report: demo.DemoReport) -> dict[str, Any]:
    a = report.audit
    return {
        "campaign_id": report.campaign.campaign_id,
        "status": report.campaign.status.value,
        "imported": report.imported.imported,
        "rejected_rows": report.imported.rejected,
        "targeted": a.targeted,
        "sent_by_provider": a.sent_by_provider,
        "sent": a.sent,
        "skipped": a.count(DeliveryStatus.SKIPPED),
        "failed": a.count(DeliveryStatus.FAILED),
        "dropped": a.dropped,
        "duplicated": a.duplicated,
        "unrecorded": a.unrecorded,
        "seconds": round(report.seconds, 2),
        "ses_outage_seconds": round(report.outage_s, 2),
        "transactional": report.transactional.as_json(),
    }


def _print(report: demo.DemoReport) -> None:
    data = report_json(report)
    table = summary_table(f"Campaign {data['campaign_id']}")
    for provider, count in data["sent_by_provider"].items():
        table.add_row(f"sent via {provider}", str(count))
    table.add_row("sent (ledger)", str(data["sent"]))
    table.add_row("skipped (unsubscribed, bounced)", str(data["skipped"]))
    table.add_row("failed", str(data["failed"]))
    table.add_row("dropped", _zero(data["dropped"]))
    table.add_row("duplicated", _zero(data["duplicated"]))
    table.add_row("SES outage", f"{data['ses_outage_seconds']:.1f} s")
    table.add_row("time taken", f"{data['seconds']:.1f} s")
    console.print(table)
    t = report.transactional
    notes = summary_table("Transactional notifications")
    for sent in t.during_campaign:
        notes.add_row(
            f"{sent.type} during the campaign",
            f"{sent.status} by {sent.channel} ({sent.provider}) in {sent.latency_ms} ms",
        )
    if t.fallback:
        notes.add_row(
            f"{t.fallback.type}, every email provider down",
            f"{t.fallback.status} by {t.fallback.channel} ({', '.join(t.fallback.attempts)})",
        )
    notes.add_row(
        "idempotency key repeated",
        "same notification, nothing sent"
        if t.repeat_same_id and t.repeat_sent_nothing
        else "[bold red]sent again[/]",
    )
    console.print(notes)


def _zero(value: int) -> str:
    return f"[green]{value}[/]" if value == 0 else f"[bold red]{value}[/]"
