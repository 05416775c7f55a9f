"""`tctfmsg chat …`: connection tokens, conversations, histories and live connections, a
message sent as a user through the same service as the socket path, and the browser page."""

from __future__ import annotations

import webbrowser
from typing import Annotated, Any
from urllib.parse import urlencode

import typer
from rich.table import Column, Table

from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.core.dynamodb.codec import to_time
from tctfmsg.core.errors import StackNotRunning
from tctfmsg.local import state as stack_state
from tctfmsg.user_messages.services import connections, conversations, invites, messages
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


@app.command()
def page(
    ctx: typer.Context,
    users: Annotated[str, typer.Option("--users", help="2 to 4 user ids, comma-separated.")] = (
        "ada,bob"
    ),
    ttl: Annotated[int, typer.Option("--ttl", help="Seconds the tokens stay valid.")] = 900,
    open_: Annotated[bool, typer.Option("--open", help="Open it in a browser.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the address of the embedded stack's chat page with these users side by side, in
    their conversation (created if they have none): their tokens ride in the #fragment, which
    no browser sends to a server."""
    address = _page_address(ctx)
    invite = invites.invite(_deps(ctx), users.split(","), ttl)
    fragment = [("conversation", invite.conversation.conversation_id),
                ("title", invite.conversation.title)]  # fmt: skip
    for user, signed in invite.tokens:
        fragment += [("user", user), ("token", signed)]
    url = f"{address}#{urlencode(fragment)}"
    if as_json:
        print_json({"url": url, "conversation_id": invite.conversation.conversation_id,
                    "users": [user for user, _ in invite.tokens], "ttl": ttl})  # fmt: skip
    else:
        console.print(url, markup=False, soft_wrap=True)
    if open_:
        webbrowser.open(url)


def _page_address(ctx: typer.Context) -> str:
    settings = state(ctx).settings
    if settings.target != "local":
        raise StackNotRunning("the chat page is served by the embedded stack", "use --local")
    running = stack_state.running(settings.local_dir)
    if running is None:
        raise StackNotRunning(
            "the embedded stack is not running", "start it with `tctfmsg local up`"
        )
    address = running.endpoints.get("chat_page")
    if not address:
        raise StackNotRunning(
            "this embedded stack serves no chat page",
            "restart it: `tctfmsg local down && tctfmsg local up`",
        )
    return address
