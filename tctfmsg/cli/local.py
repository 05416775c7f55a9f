"""`tctfmsg local …`: the embedded stack on 127.0.0.1."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tctfmsg.cli.console import console, print_json
from tctfmsg.cli.context import state
from tctfmsg.errors import StackNotRunning
from tctfmsg.local import stack
from tctfmsg.local import state as stack_state
from tctfmsg.local import status as stack_status

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
    if result.already_running:
        console.print(
            f"already running at {result.state.endpoint} (pid {result.state.pid}): "
            "nothing to do; `tctfmsg local down` stops it"
        )
        return
    origin = "restored saved state" if result.restored else "empty state"
    console.print(
        f"[green]embedded stack up[/] at {result.state.endpoint} "
        f"(pid {result.state.pid}, {origin})"
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
    report = stack_status.collect(running, state(ctx).runtime)
    if as_json:
        print_json(report)
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    console.print(
        f"[bold]embedded stack[/] pid {report['pid']}, up since {report['started_at']}"
    )
    endpoints = Table("endpoint", "url", title="Endpoints", title_justify="left")
    for name, url in report["endpoints"].items():
        endpoints.add_row(name, url)
    console.print(endpoints)
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
