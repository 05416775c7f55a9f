"""`tctfmsg dlq …`: campaign messages that failed every retry, kept until retried or resolved."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Column, Table

from tctfmsg.campaigns.domain.failed_message import FailureState
from tctfmsg.campaigns.services import dlq
from tctfmsg.campaigns.services.views import failed_json
from tctfmsg.cli import dlq_events
from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state

app = typer.Typer(
    no_args_is_help=True,
    help="Inspect, retry and resolve dead campaign messages; `dlq events` for provider events.",
)
app.add_typer(dlq_events.app, name="events")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CampaignOption = Annotated[str | None, typer.Option("--campaign", help="Only this campaign.")]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Only this reason, e.g. providers-unavailable.")
]


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Open failed messages by reason and by campaign."""
    found = dlq.stats(state(ctx).campaigns.dlq_deps)
    if as_json:
        print_json(asdict(found))
        return
    console.print(f"[bold]{found.open}[/] open, {found.retried} retried, {found.resolved} resolved")
    for title, counts in (("reason", found.by_reason), ("campaign", found.by_campaign)):
        if counts:
            table = Table(title, "open", title=f"By {title}", title_justify="left")
            for key, value in counts.items():
                table.add_row(literal(key), str(value))
            console.print(table)


@app.command("list")
def list_(
    ctx: typer.Context,
    campaign_id: CampaignOption = None,
    reason: ReasonOption = None,
    state_filter: Annotated[
        FailureState | None, typer.Option("--state", help="Default: open ones only.")
    ] = FailureState.OPEN,
    as_json: JsonOption = False,
) -> None:
    """List failed messages."""
    found = list(dlq.list_failed(state(ctx).campaigns.dlq_deps, campaign_id, reason, state_filter))
    if as_json:
        print_json([failed_json(f) for f in found])
        return
    table = Table(
        Column("id", no_wrap=True), Column("campaign", no_wrap=True), "recipient", "reason",
        "attempts", "failed at", "state",
    )  # fmt: skip
    for f in found:
        table.add_row(
            literal(f.failure_id), literal(f.campaign_id), literal(f.email_key), literal(f.reason),
            str(f.attempts),
            f.failed_at.strftime("%Y-%m-%d %H:%M:%S"), f.state.value,
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} failed message{'s' if len(found) != 1 else ''}")


@app.command()
def retry(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(help="Failed-message IDs.")] = None,
    campaign_id: CampaignOption = None,
    reason: ReasonOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Every open one.")] = False,
    include_uncertain: Annotated[
        bool,
        typer.Option(
            "--include-uncertain",
            help="Also interrupted ones, which may have been sent: check the provider first.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Queue failed messages again: each delivery goes back to pending and is sent once.
    Interrupted deliveries (may have been sent) are left out unless --include-uncertain."""
    selection = dlq.Selection(tuple(ids or ()), campaign_id, reason, everything, include_uncertain)
    report = dlq.retry(state(ctx).campaigns.dlq_deps, selection)
    if as_json:
        print_json(asdict(report))
        return
    console.print(
        f"retried {len(report.retried)}; already final {len(report.already_final)}; "
        f"not retryable {len(report.not_retryable)}"
    )
    if report.left_uncertain:
        console.print(
            f"left out {len(report.left_uncertain)} interrupted (may have been sent): check the "
            "provider's logs or outbox, then `--include-uncertain` or `dlq resolve`"
        )


@app.command()
def resolve(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Failed-message IDs.")],
    as_json: JsonOption = False,
) -> None:
    """Accept failed messages as permanently failed."""
    resolved = dlq.resolve(state(ctx).campaigns.dlq_deps, ids)
    if as_json:
        print_json([failed_json(f) for f in resolved])
        return
    console.print(f"resolved {len(resolved)}")
