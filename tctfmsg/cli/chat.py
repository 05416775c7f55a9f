"""`tctfmsg chat …`: connection tokens, conversations, histories and live connections, and a
message sent as a user through the same service as the socket path."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Column, Table

from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.core.dynamodb.codec import to_time
from tctfmsg.user_messages.services import connections, conversations, messages
from tctfmsg.user_messages.services.fields import Caller
from tctfmsg.user_messages.services.views import conversation_json

app = typer.Typer(no_args_is_help=True, help="Operate chat: tokens, conversations, messages.")
conversation_app = typer.Typer(no_args_is_help=True, help="Create and list conversations.")
app.add_typer(conversation_app, name="conversation")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
UserOption = Annotated[str | None, typer.Option("--user", help="Only this user's.")]
MAX_HISTORY = 10_000


def _deps(ctx: typer.Context) -> Any:
    return state(ctx).user_messages.chat_deps


@app.command()
def token(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Whom the connection will belong to.")],
    ttl: Annotated[int, typer.Option("--ttl", help="Seconds it stays valid (up to a day).")] = 3600,
) -> None:
    """Print a signed connection token: connect with ?token=… or as a subprotocol."""
    console.print(connections.issue_token(_deps(ctx), user_id, ttl), markup=False)


@conversation_app.command("create")
def conversation_create(
    ctx: typer.Context,
    members: Annotated[str, typer.Option("--members", help="User ids, comma-separated.")],
    title: Annotated[str, typer.Option("--title", help="Shown to its members.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create a conversation and print its conversation_id."""
    created = conversations.create(_deps(ctx), members.split(","), title)
    if as_json:
        print_json(conversation_json(created))
    else:
        console.print(created.conversation_id, markup=False)


@conversation_app.command("list")
def conversation_list(
    ctx: typer.Context, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """List conversations (at most 1,000), or one user's."""
    found = [conversation_json(c) for c in conversations.listed(_deps(ctx), user)]
    if as_json:
        print_json({"conversations": found})
        return
    table = Table(Column("conversation", no_wrap=True), "kind", "title", "members", "last seq")
    for c in found:
        table.add_row(c["conversation_id"], c["kind"], literal(c["title"]),
                      literal(", ".join(c["members"])), str(c["last_seq"]))  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} conversation{'s' if len(found) != 1 else ''}")


@app.command()
def history(
    ctx: typer.Context,
    conversation_id: Annotated[str, typer.Argument(help="The conversation.")],
    as_json: JsonOption = False,
) -> None:
    """Show a conversation's messages in seq order (at most 10,000)."""
    deps, after = _deps(ctx), 0
    found: list[dict[str, Any]] = []
    while len(found) < MAX_HISTORY:
        page = messages.history(deps, None, conversation_id, after)
        found += page["messages"]
        if page["next_after_seq"] is None:
            break
        after = page["next_after_seq"]
    if as_json:
        print_json({"conversation_id": conversation_id, "messages": found})
        return
    table = Table("seq", "sent at", "sender", "text")
    for m in found:
        table.add_row(str(m["seq"]), m["sent_at"][:19], literal(m["sender"]), literal(m["text"]))
    console.print(table)


@app.command("connections")
def connections_(ctx: typer.Context, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List open connections (at most 1,000), or one user's."""
    found: list[dict[str, Any]] = [
        {"connection_id": c.connection_id, "user_id": c.user_id,
         "connected_at": to_time(c.connected_at), "expires_at": c.expires_at}
        for c in conversations.connections(_deps(ctx), user)
    ]  # fmt: skip
    if as_json:
        print_json({"connections": found})
        return
    table = Table(Column("connection", no_wrap=True), "user", "connected at")
    for c in found:
        table.add_row(literal(c["connection_id"]), literal(c["user_id"]), c["connected_at"][:19])
    console.print(table)
    console.print(f"{len(found)} connection{'s' if len(found) != 1 else ''}")


@app.command()
def send(
    ctx: typer.Context,
    conversation_id: Annotated[str, typer.Argument(help="The conversation.")],
    text: Annotated[str, typer.Argument(help="The message.")],
    as_user: Annotated[str, typer.Option("--as", help="The member it is sent as.")],
    as_json: JsonOption = False,
) -> None:
    """Send a message as a member: stored and pushed exactly as one sent over a socket."""
    root = state(ctx).user_messages
    root.gateway  # noqa: B018  (no gateway configured: refused before anything is stored)
    ack = messages.send(root.chat_deps, Caller(as_user), conversation_id, text)
    if as_json:
        print_json(ack)
    else:
        console.print(f"sent {ack['message_id']} (seq {ack['seq']})", markup=False)
