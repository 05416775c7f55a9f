"""`tctfmsg subscriber …`: import, list, show, unsubscribe and delete subscribers.

Everything a user or a file supplied reaches Rich through `literal`: never read as markup."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from tctfmsg.campaigns.adapters.import_files import ImportFile, RejectFile
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services import subscribers
from tctfmsg.campaigns.services.subscriber_import import (
    ImportOptions,
    ImportReport,
    OnExisting,
    import_subscribers,
)
from tctfmsg.cli.console import (
    console,
    err_console,
    literal,
    print_json,
    print_json_stream,
    print_warning,
    summary_table,
)
from tctfmsg.cli.context import state
from tctfmsg.core.clock import SystemClock

app = typer.Typer(no_args_is_help=True, help="Manage subscribers of the campaigns service.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
SHOWN_REJECTIONS = 20
REPORT_COUNTS = (
    "read",
    "imported",
    "updated",
    "unchanged",
    "skipped",
    "duplicates",
    "rejected",
    "suppressed",  # of the rows above: on the suppression list, so never subscribed
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (Mailchimp, listmonk or plain) or JSON Lines.")],
    list_names: Annotated[
        list[str] | None, typer.Option("--list", help="Add every row to this list (repeatable).")
    ] = None,
    on_existing: Annotated[
        OnExisting, typer.Option(help="update: merge into existing subscribers; skip: leave them.")
    ] = OnExisting.UPDATE,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, write no subscriber.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import subscribers. Rejected rows go, whole, to FILE.rejected.csv with their reason.

    A file with no email column is refused before anything is written. A file with nothing to
    import (a header but no rows) prints a warning and exits with status 1."""
    source = ImportFile(file)
    store = state(ctx).campaigns.subscribers
    rejects = RejectFile(source)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=as_json or not err_console.is_terminal,  # piped: no bar, not even a blank line
    ) as bar:
        task = bar.add_task("importing", total=source.estimated_records())
        options = ImportOptions(frozenset(list_names or ()), on_existing, dry_run)
        try:
            report = import_subscribers(
                source.records(),
                store,
                SystemClock(),
                rejects,
                options,
                progress=lambda done: bar.update(task, completed=done),
                suppressions=state(ctx).campaigns.suppressions,
            )
        finally:
            rejects.close()
    report.reject_file = str(rejects.path) if rejects.count else None
    if as_json:
        print_json(_report_json(report))
    else:
        _print_report(report, dry_run)
    if report.read == 0:
        what = "a header but no rows" if source.header else "no records"
        print_warning(f"{file.name} has {what}: nothing imported", "check the export")
        raise typer.Exit(1)


@app.command("list")
def list_(
    ctx: typer.Context,
    list_name: Annotated[str | None, typer.Option("--list", help="Only members of list.")] = None,
    status: Annotated[SubscriberStatus | None, typer.Option(help="Only this status.")] = None,
    limit: Annotated[
        int, typer.Option(help="Subscribers per page (1 to 1000); with --all, per read.")
    ] = subscribers.DEFAULT_PAGE,
    cursor: Annotated[
        str | None, typer.Option(help="Continue after the page that printed this cursor.")
    ] = None,
    every_page: Annotated[bool, typer.Option("--all", help="Every page, to the end.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List subscribers a page at a time, optionally of one list or status.

    --json prints {"subscribers": [...], "next_cursor": ...}; pass next_cursor to --cursor for
    the next page (null: that was the last)."""
    store = state(ctx).campaigns.subscribers
    listing = subscribers.Listing(list_name, status)
    if every_page:
        found: Iterable[Subscriber] = subscribers.list_all(store, listing, cursor, limit)
        next_cursor = None
    else:
        page = subscribers.list_page(store, listing, cursor, limit)
        found, next_cursor = page.subscribers, page.next_cursor
    if as_json:
        print_json_stream("subscribers", map(_subscriber_json, found), {"next_cursor": next_cursor})
        return
    table = Table("email", "name", "status", "lists", "updated")
    count = 0
    for s in found:
        count += 1
        table.add_row(
            literal(s.email),
            literal(s.name),
            _status_markup(s.status),
            literal(", ".join(sorted(s.lists))),
            s.updated_at.strftime("%Y-%m-%d %H:%M") if s.updated_at else "",
        )
    console.print(table)
    console.print(f"{count} subscriber{'s' if count != 1 else ''}")
    if next_cursor:
        console.print(f"more follow: repeat with --cursor {literal(next_cursor, limit=1000)}")


@app.command()
def show(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The subscriber's address (any case).")],
    as_json: JsonOption = False,
) -> None:
    """Show one subscriber with every attribute."""
    s = subscribers.get(state(ctx).campaigns.subscribers, email)
    if as_json:
        print_json(_subscriber_json(s))
        return
    table = Table(show_header=False, box=None)
    for key, value in _subscriber_json(s).items():
        if key != "attributes":
            table.add_row(f"[bold]{key}[/]", literal(value))
    for key, value in sorted(s.attributes.items()):
        table.add_row(f"[dim]attributes.{literal(key)}[/]", literal(value))
    console.print(table)


@app.command()
def unsubscribe(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The address.")]
) -> None:
    """Mark a subscriber unsubscribed: no campaign reaches them again."""
    s = subscribers.unsubscribe(state(ctx).campaigns.subscribers, SystemClock(), email)
    console.print(f"{literal(s.email)} is {s.status.value}")


@app.command()
def delete(ctx: typer.Context, email: Annotated[str, typer.Argument(help="The address.")]) -> None:
    """Erase a subscriber and all their list memberships (for erasure requests)."""
    s = subscribers.delete(state(ctx).campaigns.subscribers, email)
    console.print(f"deleted {literal(s.email)} and {len(s.lists)} list membership(s)")


def _report_json(report: ImportReport) -> dict[str, Any]:
    data: dict[str, Any] = {k: getattr(report, k) for k in REPORT_COUNTS}
    data["reject_file"] = report.reject_file
    data["rejections"] = [asdict(r) for r in report.rejections[:1000]]
    return data


def _print_report(report: ImportReport, dry_run: bool) -> None:
    for r in report.rejections[:SHOWN_REJECTIONS]:
        err_console.print(f"[yellow]line {r.line}:[/] {literal(r.reason)}")
    if len(report.rejections) > SHOWN_REJECTIONS:
        err_console.print(f"… and {len(report.rejections) - SHOWN_REJECTIONS} more")
    table = summary_table("Import (dry run: nothing written)" if dry_run else "Import")
    for key in REPORT_COUNTS:
        table.add_row(key, str(getattr(report, key)))
    console.print(table)
    if report.reject_file:
        console.print(f"rejected rows, with reasons: {literal(report.reject_file, limit=1000)}")


def _subscriber_json(s: Subscriber) -> dict[str, Any]:
    return {
        "email": s.email,
        "name": s.name,
        "status": s.status.value,
        "lists": sorted(s.lists),
        "attributes": dict(s.attributes),
        "created_at": s.created_at.isoformat() if s.created_at else None,
        "updated_at": s.updated_at.isoformat() if s.updated_at else None,
    }


def _status_markup(status: SubscriberStatus) -> str:
    color = {"subscribed": "green", "unsubscribed": "yellow"}.get(status.value, "red")
    return f"[{color}]{status.value}[/]"
