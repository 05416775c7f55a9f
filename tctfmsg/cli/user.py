"""`tctfmsg user …`: the communication service's users, their addresses and preferences.

Everything a user supplied reaches Rich through `literal`: never read as markup."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.communication.domain.user import CHANNELS, User
from tctfmsg.communication.services import users
from tctfmsg.communication.services.users import PreferenceRow
from tctfmsg.core.errors import InvalidInput

app = typer.Typer(
    no_args_is_help=True, help="Manage the users notifications reach, and their preferences."
)

UserId = Annotated[str, typer.Argument(help="The user's id in the calling platform.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("set")
def set_(
    ctx: typer.Context,
    user_id: UserId,
    email: Annotated[str | None, typer.Option(help="Email address ('' removes it).")] = None,
    phone: Annotated[str | None, typer.Option(help="SMS number, E.164 ('' removes it).")] = None,
    whatsapp: Annotated[
        str | None, typer.Option(help="WhatsApp number, E.164 ('' removes it).")
    ] = None,
    push_tokens: Annotated[
        list[str] | None,
        typer.Option("--push-token", help="A device token (repeatable); replaces the tokens."),
    ] = None,
    no_push_tokens: Annotated[
        bool, typer.Option("--no-push-tokens", help="Remove every device token.")
    ] = False,
    timezone: Annotated[str | None, typer.Option(help="IANA timezone, e.g. Europe/Madrid.")] = None,
    locale: Annotated[str | None, typer.Option(help="BCP 47 language tag, e.g. pt-BR.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user, or change only the fields given."""
    if push_tokens and no_push_tokens:
        raise InvalidInput("--push-token and --no-push-tokens contradict each other", "give one")
    user = users.set_user(
        state(ctx).communication.users,
        user_id,
        email=email,
        phone=phone,
        whatsapp=whatsapp,
        push_tokens=[] if no_push_tokens else push_tokens,
        timezone=timezone,
        locale=locale,
    )
    _print_user(user, as_json)


@app.command()
def show(ctx: typer.Context, user_id: UserId, as_json: JsonOption = False) -> None:
    """Show a user: addresses, device tokens, locale, timezone, quiet hours, preferences."""
    _print_user(users.show_user(state(ctx).communication.users, user_id), as_json)


@app.command()
def delete(ctx: typer.Context, user_id: UserId) -> None:
    """Delete a user and everything stored about where to reach them."""
    users.delete_user(state(ctx).communication.users, user_id)
    console.print(f"deleted user {literal(user_id)}")


@app.command()
def prefs(
    ctx: typer.Context,
    user_id: UserId,
    notification_type: Annotated[
        str | None, typer.Option("--type", help="Notification type, e.g. unread_messages.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="One of the type's channels.")] = None,
    on: Annotated[
        bool | None, typer.Option("--on/--off", help="Receive the type on the channel, or not.")
    ] = None,
    quiet_hours: Annotated[
        str | None,
        typer.Option(help="HH:MM-HH:MM in the user's timezone: non-critical types wait."),
    ] = None,
    no_quiet_hours: Annotated[
        bool, typer.Option("--no-quiet-hours", help="Remove the quiet hours.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show a user's preferences, or change one of them or the quiet hours.

    --type T --channel C --on|--off turns one type on or off on one channel; security-critical
    types cannot be turned off and never wait for quiet hours. --json prints {"user_id",
    "timezone", "quiet_hours", "preferences": {type: {channel: on}}, "security_critical"}."""
    root = state(ctx).communication
    registry = root.templates.registry
    user = users.change_preferences(
        root.users,
        registry,
        user_id,
        notification_type=notification_type,
        channel=channel,
        on=on,
        quiet_hours=quiet_hours,
        no_quiet_hours=no_quiet_hours,
    )
    rows = users.preference_table(registry, user)
    if as_json:
        print_json(_prefs_json(user, rows))
    else:
        _print_prefs(user, rows)


def _print_user(user: User, as_json: bool) -> None:
    fields = users.user_fields(user)
    if as_json:
        print_json(fields)
        return
    table = Table(show_header=False, box=None)
    for key, value in fields.items():
        if key == "push_tokens":
            value = ", ".join(value)
        if key != "preferences":
            table.add_row(f"[bold]{key}[/]", literal("" if value is None else value))
    for type_, by_channel in sorted(user.preferences.items()):
        for channel, on in sorted(by_channel.items()):
            table.add_row(f"[dim]{literal(type_)}.{literal(channel)}[/]", "on" if on else "off")
    console.print(table)


def _print_prefs(user: User, rows: list[PreferenceRow]) -> None:
    shown = [c for c in CHANNELS if any(c in row.channels for row in rows)]
    table = Table(
        "type",
        "critical",
        *shown,
        title=f"Preferences of {literal(user.user_id)}",
        title_justify="left",
    )
    for row in rows:
        cells = [_cell(row.channels.get(c)) for c in shown]
        table.add_row(literal(row.type), "yes" if row.security_critical else "", *cells)
    console.print(table)
    quiet = f"{user.quiet_hours} ({literal(user.timezone)})" if user.quiet_hours else "none"
    console.print(f"quiet hours: {quiet}")
    console.print("critical types are always on and never wait for quiet hours")


def _cell(on: bool | None) -> str:
    if on is None:
        return "[dim]-[/]"  # not a channel of this type
    return "[green]on[/]" if on else "[yellow]off[/]"


def _prefs_json(user: User, rows: list[PreferenceRow]) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "timezone": user.timezone,
        "quiet_hours": str(user.quiet_hours) if user.quiet_hours else None,
        "preferences": {row.type: row.channels for row in rows},
        "security_critical": [row.type for row in rows if row.security_critical],
    }
