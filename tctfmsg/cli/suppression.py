"""`tctfmsg suppression …`: the addresses no service sends to (bounced, complained, manual)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tctfmsg.cli.console import console, literal, print_json, print_warning
from tctfmsg.cli.context import state
from tctfmsg.core.clock import SystemClock
from tctfmsg.email import suppression_admin
from tctfmsg.email.suppression import Suppression, SuppressionReason

app = typer.Typer(no_args_is_help=True, help="List, add and lift suppressed addresses.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    reason: Annotated[
        SuppressionReason | None, typer.Option("--reason", help="Only this reason.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Suppressed addresses, with why and what put them there."""
    found = list(suppression_admin.entries(state(ctx).email.suppressions, reason))
    if as_json:
        print_json({"suppressions": [_json(s) for s in found]})
        return
    table = Table("address", "reason", "source", "detail", "since")
    for s in found:
        since = s.created_at.strftime("%Y-%m-%d %H:%M:%S") if s.created_at else ""
        table.add_row(
            literal(s.address), s.reason.value, literal(s.source), literal(s.detail), since
        )
    console.print(table)
    console.print(f"{len(found)} suppressed address{'es' if len(found) != 1 else ''}")


@app.command()
def add(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The address no service may send to.")],
    reason: Annotated[
        SuppressionReason, typer.Option("--reason", help="Why (default: manual).")
    ] = SuppressionReason.MANUAL,
) -> None:
    """Put an address on the suppression list: every send to it, campaign or transactional,
    is refused from now on."""
    entry = suppression_admin.suppress(
        state(ctx).email.suppressions, address, SystemClock(), reason, source="cli"
    )
    console.print(f"{literal(entry.address)} is suppressed ({entry.reason.value})")


@app.command()
def remove(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The address to lift.")],
    force: Annotated[
        bool, typer.Option("--force", help="Lift a complaint without asking.")
    ] = False,
) -> None:
    """Lift an address's suppression. A complaint asks first (or needs --force). The
    subscriber's own status (bounced, complained) is left as it is."""
    suppressions = state(ctx).email.suppressions
    found = suppressions.find(suppression_admin.checked(address))
    if found is not None and found.reason is SuppressionReason.COMPLAINED and not force:
        print_warning(f"{address} complained: mailing it again risks the sender's reputation")
        force = typer.confirm("Lift it anyway?", default=False)
    lifted = suppression_admin.lift(suppressions, address, force=force)
    console.print(f"{literal(lifted.address)} is no longer suppressed")


def _json(s: Suppression) -> dict[str, object]:
    return {
        "address": s.address,
        "reason": s.reason.value,
        "source": s.source,
        "detail": s.detail,
        "created_at": s.created_at.isoformat() if s.created_at else None,
    }
