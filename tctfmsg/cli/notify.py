"""`tctfmsg notify …`: send a transactional notification, see why each ended as it did, and
handle the ones the dead-letter queue gave up (`notify dlq`)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from tctfmsg.cli.console import console, literal, print_json, summary_table
from tctfmsg.cli.context import state
from tctfmsg.communication.domain.notification import Notification
from tctfmsg.communication.services import records
from tctfmsg.communication.services.accept import accept, request_from
from tctfmsg.core.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Send transactional notifications and follow them.")
dlq_app = typer.Typer(
    no_args_is_help=True, help="Notifications the dead-letter queue gave up: retry or resolve."
)
app.add_typer(dlq_app, name="dlq")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
MAX_DATA_FILE = 64 * 1024
WAIT_S = 60.0


@app.command()
def send(
    ctx: typer.Context,
    type_: Annotated[str, typer.Option("--type", help="Notification type, e.g. mfa_code.")],
    user: Annotated[str, typer.Option("--user", help="The user it is for.")],
    data: Annotated[
        str | None,
        typer.Option(help='Template variables as JSON, or @FILE holding JSON: {"code": "123"}.'),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(help="Same key and payload: the same notification, nothing sent again."),
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Send to this address (user not stored).")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Send to this E.164 number.")] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for a final status and print who delivered it.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(min=1, max=600, help="How long --wait waits, in seconds.")
    ] = WAIT_S,
    as_json: JsonOption = False,
) -> None:
    """Accept a notification and queue it; with --wait, follow it to its final status."""
    body: dict[str, Any] = {"type": type_, "user_id": user, "data": _data(data)}
    body |= {k: v for k, v in (("idempotency_key", idempotency_key), ("email", email)) if v}
    if phone:
        body["phone"] = phone
    root = state(ctx).communication
    started = time.monotonic()
    accepted = accept(root.accept_deps, request_from(body))
    notification = accepted.notification
    if wait:
        notification = records.wait_for_final(
            root.record_deps, notification.notification_id, timeout
        )
    answer = records.notification_json(notification)
    if wait:
        answer["latency_ms"] = round((time.monotonic() - started) * 1000)
    answer["repeated"] = accepted.repeated
    if as_json:
        print_json(answer)
        return
    again = " (the same request was accepted before: nothing new sent)" if accepted.repeated else ""
    console.print(f"[bold]{literal(notification.notification_id)}[/] {notification.status}{again}")
    if wait:
        _print_outcome(notification, answer["latency_ms"])


@app.command()
def show(
    ctx: typer.Context,
    notification_id: Annotated[str, typer.Argument(help="The notification's id.")],
    as_json: JsonOption = False,
) -> None:
    """One notification: its status, the channel and provider that delivered it, every attempt."""
    found = records.show(_deps(ctx), notification_id)
    if as_json:
        print_json(records.notification_json(found))
        return
    table = summary_table(f"notification {literal(found.notification_id)}")
    for label, value in (
        ("type", found.type),
        ("user", found.user_id),
        ("status", found.status.value),
        ("channel", found.channel),
        ("provider", found.provider),
        ("provider message id", found.provider_message_id),
        ("reason", found.reason),
        ("created", found.created_at.isoformat(timespec="seconds")),
    ):
        if value:
            table.add_row(label, literal(value))
    console.print(table)
    attempts = Table("channel", "outcome", "to", "provider", "error", title="Attempts")
    for a in found.attempts:
        attempts.add_row(
            a.channel, a.outcome.value, literal(a.to or ""), literal(a.provider or ""),
            literal(a.error or ""),
        )  # fmt: skip
    console.print(attempts)


@app.command("list")
def list_(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this user's.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Notifications, newest first."""
    found = records.list_notifications(
        _deps(ctx), user_id=user, type_=type_, status=status, limit=limit
    )
    if as_json:
        print_json([records.notification_json(n) for n in found])
        return
    _print_list(found)


@dlq_app.command("stats")
def dlq_stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Open dead letters by type and by reason."""
    found = records.dead_letter_stats(_deps(ctx))
    if as_json:
        print_json(found)
        return
    console.print(f"[bold]{found['open']}[/] open")
    for title in ("by_type", "by_reason"):
        if found[title]:
            table = Table(title.removeprefix("by_"), "open")
            for key, count in found[title].items():
                table.add_row(literal(key), str(count))
            console.print(table)


@dlq_app.command("list")
def dlq_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Open dead letters, newest first."""
    found = records.dead_lettered(_deps(ctx))
    if as_json:
        print_json([records.notification_json(n) for n in found])
        return
    _print_list(found)


@dlq_app.command("retry")
def dlq_retry(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(help="Notification ids.")] = None,
    all_open: Annotated[bool, typer.Option("--all", help="Every open dead letter.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Queue dead letters again; a channel that took one before is not sent again."""
    retried = records.retry(_deps(ctx), ids or (), all_open=all_open)
    if as_json:
        print_json({"retried": retried})
        return
    console.print(f"{len(retried)} queued again")


@dlq_app.command("resolve")
def dlq_resolve(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Notification ids.")],
    as_json: JsonOption = False,
) -> None:
    """Close dead letters for good: they stay failed."""
    resolved = records.resolve(_deps(ctx), ids)
    if as_json:
        print_json({"resolved": resolved})
        return
    console.print(f"{len(resolved)} resolved")


def _deps(ctx: typer.Context) -> records.RecordDeps:
    return state(ctx).communication.record_deps


def _print_outcome(n: Notification, latency_ms: int) -> None:
    if n.status.final and n.channel:
        console.print(
            f"{n.status.value} by {literal(n.channel)} through {literal(n.provider or '?')} "
            f"in {latency_ms} ms"
        )
    elif n.status.final:
        console.print(f"{n.status.value}: {literal(n.reason or '')}")
    else:
        console.print(f"still {n.status.value} after {latency_ms} ms: {literal(n.reason or '')}")


def _print_list(found: list[Notification]) -> None:
    table = Table(
        Column("id", no_wrap=True), "type", "user", "status", "channel", "created", "reason"
    )
    for n in found:
        table.add_row(
            literal(n.notification_id), literal(n.type), literal(n.user_id), n.status.value,
            literal(n.channel or ""), n.created_at.isoformat(timespec="seconds"),
            literal(n.reason or "", 80),
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} notification{'s' if len(found) != 1 else ''}")


def _data(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    source = "--data"
    if raw.startswith("@"):
        path = Path(raw[1:])
        try:
            if path.stat().st_size > MAX_DATA_FILE:
                raise InvalidInput(f"{path} is over {MAX_DATA_FILE // 1024} KB")
            raw, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {path}: {exc}") from None
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(
            f"{source} is not valid JSON: {exc}", 'give an object: --data \'{"code": "482913"}\''
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"{source} must be a JSON object of template variables")
    return parsed
