"""`tctfmsg dlq events …`: provider events (bounces, complaints, deliveries, sends) that could
not be applied after every retry, waiting in the provider-events dead-letter queue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Column, Table

from tctfmsg.campaigns.services import provider_event_dlq
from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state

app = typer.Typer(
    no_args_is_help=True,
    help="Provider events that failed every retry: count, list and send them back.",
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@app.command()
def count(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """How many provider events wait in the dead-letter queue."""
    figures = provider_event_dlq.count(state(ctx).campaigns.dead_event_deps)
    if as_json:
        print_json({"queue": provider_event_dlq.QUEUE, "total": figures.total, **figures.as_json()})
        return
    age = "" if figures.oldest_age_s is None else f", the oldest {figures.oldest_age_s:.0f}s old"
    console.print(
        f"[bold]{figures.total}[/] dead provider event message(s) ({figures.visible} waiting, "
        f"{figures.in_flight} being read{age})"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[
        int,
        typer.Option("--limit", help=f"At most this many (1 to {provider_event_dlq.MAX_LISTED})."),
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """Each dead provider event: provider, kind, campaign, age, why. Nothing is taken off."""
    listing = provider_event_dlq.list_dead(state(ctx).campaigns.dead_event_deps, limit)
    if as_json:
        print_json({"events": [e.as_json() for e in listing.events], "more": listing.more})
        return
    table = Table(
        Column("message id", no_wrap=True), "provider", "kind", "recipients", "campaign",
        "age", "receives", "why",
    )  # fmt: skip
    for e in listing.events:
        table.add_row(
            literal(e.message_id), literal(e.provider or "?"), literal(",".join(e.kinds) or "?"),
            str(e.recipients), literal(e.campaign_id or "-"), _age(e.age_s), str(e.receives),
            literal(e.why),
        )  # fmt: skip
    console.print(table)
    shown = len(listing.events)
    console.print(f"{shown} listed" + ("; more wait (raise --limit)" if listing.more else ""))


@app.command()
def redrive(
    ctx: typer.Context,
    most: Annotated[
        int,
        typer.Option("--max", help=f"At most this many (1 to {provider_event_dlq.MAX_REDRIVEN})."),
    ] = provider_event_dlq.MAX_REDRIVEN,
    as_json: JsonOption = False,
) -> None:
    """Send dead provider events back to the provider_events queue, to be applied again.
    Each leaves the dead-letter queue only once the main queue took it (applying an event
    twice changes nothing more); one that is no provider event stays, with a line saying so."""
    report = provider_event_dlq.redrive(state(ctx).campaigns.dead_event_deps, most)
    if as_json:
        print_json(report.as_json())
    else:
        console.print(f"requeued {len(report.requeued)}; refused {len(report.refused)}")
        for message_id, why in report.refused.items():
            console.print(f"refused {literal(message_id)}: {literal(why)}")
        for message_id, why in report.requeued_not_removed.items():
            console.print(
                f"requeued {literal(message_id)} but it is still in the dead-letter queue "
                f"({literal(why)}): a later redrive applies it again, harmlessly"
            )
    if report.refused:
        raise typer.Exit(1)


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
