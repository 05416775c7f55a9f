"""`tctfmsg local …`: the embedded stack on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.core.errors import InvalidInput, StackNotRunning
from tctfmsg.local import stack
from tctfmsg.local import state as stack_state
from tctfmsg.local import status as stack_status

if TYPE_CHECKING:
    from tctfmsg.local.providers.control import StackAccess

app = typer.Typer(no_args_is_help=True, help="Run the embedded stack: AWS APIs and runtime.")


@app.command()
def up(
    ctx: typer.Context,
    port: Annotated[
        int | None, typer.Option(help="Base port; the stack also uses the next few.")
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Start empty; the old state is kept aside once.")
    ] = False,
) -> None:
    """Start the embedded stack in the background and wait until it is healthy."""
    settings = state(ctx).settings
    result = stack.up(settings.local_dir, port or settings.local_port, reset=reset)
    if result.repaired:
        console.print(
            f"[green]repaired[/] {literal(', '.join(result.repaired))}: it was dead and is "
            f"running again at {result.state.endpoint} (pid {result.state.pid}), with its state"
        )
        return
    if result.already_running:
        console.print(
            f"already running at {result.state.endpoint} (pid {result.state.pid}): "
            "nothing to do; `tctfmsg local down` stops it"
        )
        return
    origin = "restored saved state" if result.restored else "empty state"
    console.print(
        f"[green]embedded stack up[/] at {result.state.endpoint} (pid {result.state.pid}, {origin})"
    )


@app.command()
def down(ctx: typer.Context) -> None:
    """Stop the embedded stack, saving its state for the next `up`."""
    directory = state(ctx).settings.local_dir
    stopped = stack.down(directory)
    if stopped is None:
        console.print("the embedded stack is not running: nothing to stop")
        return
    console.print(
        f"[green]embedded stack stopped[/] (pid {stopped.pid}); "
        f"state saved in {directory / stack_state.SNAPSHOT_FILE}"
    )


@app.command()
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show the stack's endpoints and every provisioned resource."""
    settings = state(ctx).settings
    running = stack_state.running(settings.local_dir)
    if running is None:
        raise StackNotRunning(
            "the embedded stack is not running", "start it with `tctfmsg local up`"
        )
    report = stack_status.collect(running, state(ctx).clients, settings.local_dir)
    if as_json:
        print_json(report)
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    console.print(f"[bold]embedded stack[/] pid {report['pid']}, up since {report['started_at']}")
    endpoints = Table("endpoint", "url", title="Endpoints", title_justify="left")
    for name, url in report["endpoints"].items():
        endpoints.add_row(literal(name), literal(url))
    console.print(endpoints)
    if report["components"]:
        health = Table("component", "state", "restarts", title="Components", title_justify="left")
        for name, h in report["components"].items():
            alive = "[green]alive[/]" if h["alive"] else "[red]dead[/]"
            health.add_row(literal(name), alive, str(h["restarts"]))
        console.print(health)
    if report.get("http_routes"):
        routes = Table("route", "url", title="Public HTTP routes", title_justify="left")
        for row in report["http_routes"]:
            routes.add_row(literal(row["route"]), literal(row["url"]))
        console.print(routes)
    resources = Table("kind", "name", "contents", title="Resources", title_justify="left")
    for row in report["tables"]:
        resources.add_row("table", row["name"], f"{row['items']} items")
    for row in report["queues"]:
        resources.add_row(
            "queue", row["name"], f"{row['visible']} visible, {row['in_flight']} in flight"
        )
    for row in report["secrets"]:
        resources.add_row("secret", row["name"], "")
    console.print(resources)
    for endpoint, counts in report.get("refused", {}).items():
        kinds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items()))
        console.print(f"[bold]refused[/] by {literal(endpoint)}: {literal(kinds)}")
    if "websocket_gateway" in report:
        counts = ", ".join(
            f"{k.replace('_', ' ')} {v}" for k, v in report["websocket_gateway"].items()
        )
        console.print(f"[bold]WebSocket gateway[/] {literal(counts)}")


@app.command()
def env(ctx: typer.Context) -> None:
    """Print `export` lines that point the AWS CLI and boto3 at the running stack, with its
    own keys: eval "$(tctfmsg local env)"."""
    from tctfmsg.local import client_env

    settings = state(ctx).settings
    running = _running(ctx)
    keys = stack_state.credentials(settings.local_dir)
    if keys is None:
        raise StackNotRunning(
            "this embedded stack has no credentials yet",
            "restart it: `tctfmsg local down && tctfmsg local up`",
        )
    values = client_env.variables(running, keys, settings.region, str(settings.home))
    typer.echo(client_env.exports(values), nl=False)


def _controls(ctx: typer.Context) -> StackAccess:
    """The running stack, with the keys its providers' control API answers to."""
    from tctfmsg.local.providers import control

    return control.access(state(ctx).settings.local_dir, _running(ctx))


def _running(ctx: typer.Context) -> stack_state.StackState:
    running = stack_state.running(state(ctx).settings.local_dir)
    if running is None:
        raise StackNotRunning(
            "the embedded stack is not running", "start it with `tctfmsg local up`"
        )
    return running


@app.command()
def outbox(
    ctx: typer.Context,
    provider: Annotated[
        str | None,
        typer.Option(help="Only what this provider received (ses, resend, sendgrid, sms, …)."),
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="Only this channel: email, sms, whatsapp or push.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Only messages to this address, number or token.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Show what every local provider received (email, SMS, WhatsApp, push), oldest first."""
    from tctfmsg.local.providers import control

    if channel is not None and channel not in control.CHANNELS:
        raise InvalidInput(
            f"unknown channel {channel!r}", f"choose one of {', '.join(control.CHANNELS)}"
        )
    controls = _controls(ctx)
    running = controls.running
    if provider:
        names = [provider]
    elif channel:
        names = list(control.CHANNELS[channel])
    else:  # a stack started before a channel existed simply has no endpoint for it
        names = [n for n in control.ENDPOINTS if n in running.endpoints]
    messages = [m for name in names for m in control.outbox(controls, name)]
    if channel:
        messages = [m for m in messages if m.get("channel") == channel]
    if to:
        messages = [m for m in messages if str(m.get("to", "")).lower() == to.lower()]
    messages.sort(key=lambda m: m["received_at"])
    if as_json:
        print_json(messages)
        return
    table = Table("received", "channel", "provider", "to", "type", "subject or text", "message id")
    for m in messages:
        received = datetime.fromtimestamp(m["received_at"], UTC).strftime("%H:%M:%S.%f")[:-3]
        table.add_row(
            received,
            literal(m.get("channel") or ""),
            literal(m["provider"]),
            literal(m["to"]),
            literal(m.get("type") or ""),
            literal(m.get("subject") or m.get("text") or ""),
            literal(m.get("id") or ""),
        )
    console.print(table)
    console.print(f"{len(messages)} message{'s' if len(messages) != 1 else ''}")


@app.command()
def fault(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="ses, resend, sendgrid, sms, whatsapp or push.")],
    down: Annotated[bool, typer.Option("--down", help="Answer every send with an outage.")] = False,
    up: Annotated[bool, typer.Option("--up", help="Behave again: clears every fault.")] = False,
    slow: Annotated[
        int | None, typer.Option("--slow", min=0, metavar="MS", help="Delay every answer by MS.")
    ] = None,
    throttle: Annotated[
        bool, typer.Option("--throttle", help="Answer every send with the provider's 429.")
    ] = False,
    unregister: Annotated[
        str | None,
        typer.Option(
            "--unregister",
            metavar="TOKEN",
            help="push only: answer sends to this device token 404 UNREGISTERED from now on.",
        ),
    ] = None,
    bounce: Annotated[
        str | None,
        typer.Option(
            "--bounce",
            metavar="ADDRESS",
            help="Email providers: accept sends to ADDRESS, then report a permanent bounce "
            "as the real provider would (SES event, signed webhook).",
        ),
    ] = None,
    complain: Annotated[
        str | None,
        typer.Option(
            "--complain", metavar="ADDRESS", help="Likewise, but report a spam complaint."
        ),
    ] = None,
    deliver: Annotated[
        str | None,
        typer.Option("--deliver", metavar="ADDRESS", help="Stop bouncing or complaining for it."),
    ] = None,
) -> None:
    """Make one local provider misbehave until told otherwise (`--up`)."""
    from tctfmsg.local.providers import control

    told_to = (("bounce", bounce), ("complain", complain), ("none", deliver))
    feedback = [(k, a) for k, a in told_to if a is not None]
    if feedback:
        if len(feedback) > 1 or unregister is not None or down or up or throttle or slow:
            raise InvalidInput(
                "--bounce, --complain and --deliver go alone",
                "`tctfmsg local fault ses --bounce ana@example.com`",
            )
        kind, address = feedback[0]
        control.set_feedback(_controls(ctx), provider, address, kind)
        told = {"bounce": "bounces", "complain": "complains", "none": "delivers normally"}[kind]
        console.print(f"{provider} now {told} for {literal(address)}")
        return
    modes = [m for m, on in (("down", down), ("up", up), ("throttle", throttle)) if on]
    if unregister is not None:
        if provider != "push" or modes or slow is not None:
            raise InvalidInput(
                "--unregister TOKEN is for push alone", "`tctfmsg local fault push --unregister T`"
            )
        control.unregister(_controls(ctx), unregister)
        console.print(f"push now answers UNREGISTERED for {literal(unregister)}")
        return
    if len(modes) > 1 or (up and slow):
        raise InvalidInput(
            "choose one of --down, --up, --throttle", "--slow MS can join --down or --throttle"
        )
    if not modes and slow is None:
        raise InvalidInput("say how to misbehave", "give --down, --up, --slow MS or --throttle")
    controls = _controls(ctx)
    current = control.fault(controls, provider)
    mode = modes[0] if modes else current["mode"]
    result = control.set_fault(controls, provider, mode, slow or 0)
    delay = f", answers delayed {result['slow_ms']} ms" if result["slow_ms"] else ""
    console.print(f"{provider} is now {result['mode']}{delay}")
