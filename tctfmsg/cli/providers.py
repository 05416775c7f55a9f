"""`tctfmsg providers …`: the email backbone's providers, their config and breakers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tctfmsg.cli.console import console, err_console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.errors import InvalidInput
from tctfmsg.email import admin as email_admin
from tctfmsg.email.admin import ProviderRow
from tctfmsg.email.events.keys import MAX_KEY_CHARS, checked_webhook_key

app = typer.Typer(no_args_is_help=True, help="Email providers: order, breakers, test sends.")

NameArgument = Annotated[str, typer.Argument(help="ses, resend or sendgrid.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show every provider in priority order with its rate, breaker state and last error."""
    backbone = state(ctx).email.backbone
    rows = email_admin.list_providers(backbone.config_store, backbone.storages, SystemClock())
    if as_json:
        print_json([row.as_json() for row in rows])
        return
    table = Table("order", "provider", "enabled", "rate/s", "breaker", "failures", "last error")
    for row in rows:
        c, b = row.config, row.breaker
        table.add_row(
            str(c.order),
            c.name,
            "yes" if c.enabled else "[yellow]no[/]",
            f"{c.rate_per_s:g}",
            _breaker_markup(row),
            f"{b.failures}/{c.fail_max}",
            _last_error(row),
        )
    console.print(table)


@app.command()
def enable(ctx: typer.Context, name: NameArgument) -> None:
    """Let the backbone send through NAME again, in its configured order."""
    config = email_admin.set_enabled(state(ctx).email.backbone.config_store, name, True)
    console.print(f"{config.name} enabled (order {config.order})")


@app.command()
def disable(ctx: typer.Context, name: NameArgument) -> None:
    """Stop sending through NAME; the next provider in order takes its traffic."""
    store = state(ctx).email.backbone.config_store
    config = email_admin.set_enabled(store, name, False)
    console.print(f"{config.name} disabled")
    if not any(c.enabled for c in store.load()):
        err_console.print("[yellow]warning:[/] no provider is enabled: every send will fail")


@app.command()
def reset(ctx: typer.Context, name: NameArgument) -> None:
    """Close NAME's breaker and forget its failures and Retry-After, for every process."""
    status = email_admin.reset_breaker(state(ctx).email.backbone.storages, name)
    console.print(f"{name} breaker {status.state}, {status.failures} failures")


@app.command()
def configure(
    ctx: typer.Context,
    name: NameArgument,
    order: Annotated[int | None, typer.Option(min=1, help="Priority: 1 is tried first.")] = None,
    rate: Annotated[
        float | None, typer.Option(min=0, help="Messages/s for the whole account; 0: no limit.")
    ] = None,
    fail_max: Annotated[
        int | None, typer.Option(min=1, help="Consecutive failures that open the breaker.")
    ] = None,
    reset_timeout: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds an open breaker waits to try again.")
    ] = None,
) -> None:
    """Change NAME's order, rate limit or breaker thresholds (senders pick it up within seconds)."""
    config = email_admin.configure(
        state(ctx).email.backbone.config_store,
        name,
        order=order,
        rate_per_s=rate,
        fail_max=fail_max,
        reset_timeout_s=reset_timeout,
    )
    console.print(
        f"{config.name}: order {config.order}, {config.rate_per_s:g}/s, "
        f"opens after {config.fail_max} failures, retries after {config.reset_timeout_s:g}s"
    )


@app.command()
def test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="Who receives the test message.")],
    sender: Annotated[
        str | None, typer.Option("--from", help="Sender address (default: the sender setting).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the receipt as JSON.")] = False,
) -> None:
    """Send one real message through the backbone and say which provider delivered it."""
    runtime = state(ctx)
    receipt = email_admin.send_test(
        runtime.email.sender, to, sender or runtime.settings.sender, SystemClock()
    )
    if as_json:
        print_json(
            {
                "provider": receipt.provider,
                "message_id": receipt.message_id,
                "attempts": list(receipt.attempts),
                "uncertain": list(receipt.uncertain),
            }
        )
        return
    console.print(
        f"[green]delivered by {literal(receipt.provider)}[/] "
        f"(message id {literal(receipt.message_id)})"
    )
    console.print("attempts: " + "; ".join(literal(a) for a in receipt.attempts))


@app.command("webhook-key")
def webhook_key(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="resend or sendgrid.")],
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            help="Read the key from this file; default: ask for it (never pass it as an "
            "argument: it would stay in your shell history).",
        ),
    ] = None,
) -> None:
    """Set the key that verifies a provider's webhooks: Resend's signing secret (whsec_…) or
    SendGrid's Event Webhook verification key. Until it is set, that provider's webhooks are
    refused (401) and its bounces and complaints do not count."""
    if from_file is not None:
        try:
            raw = from_file.read_text(encoding="utf-8")[: MAX_KEY_CHARS + 1]
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"cannot read {literal(str(from_file))}: {type(exc).__name__}",
                "give a readable UTF-8 file holding only the key",
            ) from None
    else:
        raw = typer.prompt(f"{provider} webhook key", hide_input=True)
    key = checked_webhook_key(provider, raw)
    keys = state(ctx).campaigns.webhook_keys
    keys.put(provider, key)
    err_console.print(
        f"{provider} webhook key stored in {literal(keys.secret_name)}; "
        "the webhook function reads it within 5 minutes"
    )


def _breaker_markup(row: ProviderRow) -> str:
    state_ = row.breaker.state
    if state_ == "open":
        due = row.half_opens_in_s
        return "[red]open[/]" + (f" (trial in {due:.0f}s)" if due else " (trial due)")
    if state_ == "half-open":
        return "[yellow]half-open[/]"
    rest = (row.breaker.rest_until or 0) - datetime.now(UTC).timestamp()
    return "[green]closed[/]" + (f" (Retry-After: {rest:.1f}s)" if rest > 0 else "")


def _last_error(row: ProviderRow) -> str:
    b = row.breaker
    if not b.last_error:
        return ""
    at = datetime.fromtimestamp(b.last_error_at or 0, UTC).strftime("%H:%M:%S")
    return f"{literal(b.last_error)} at {at}"
