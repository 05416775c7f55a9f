"""The `tctfmsg` command: global target options, error presentation, and the nouns."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from typer.core import TyperGroup

from tctfmsg.cli import (
    campaign,
    chat,
    demo,
    dlq,
    doctor,
    local,
    notify,
    providers,
    subscriber,
    suppression,
    template,
    user,
)
from tctfmsg.cli.console import print_error
from tctfmsg.cli.context import state
from tctfmsg.core.errors import InvalidInput, TctfmsgError


class FriendlyErrors(TyperGroup):
    """Every expected failure becomes one line on stderr and exit code 1, never a traceback;
    every flag's help shows it as a flag."""

    flags_shown = False

    def get_params(self, ctx: Any) -> Any:
        # Runs before any --help is answered, at the root, with the context every command's help
        # option is named from; once per command tree is enough, the tree does not change.
        if not self.flags_shown:
            _show_flags_as_flags(self, ctx)
            self.flags_shown = True
        return super().get_params(ctx)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TctfmsgError as exc:
            _fail(exc.message, exc.hint)
        except EndpointConnectionError as exc:
            _fail(f"cannot reach {exc.kwargs.get('endpoint_url')}", "is the target up?")
        except ClientError as exc:
            error = exc.response.get("Error", {})
            _fail(f"AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}")
        except BotoCoreError as exc:
            _fail(f"AWS SDK error: {exc}", "check your AWS credentials and region")
        except KeyboardInterrupt:
            _fail("interrupted", code=130)


def _fail(message: str, hint: str | None = None, code: int = 1) -> None:
    if os.environ.get("TCTFMSG_DEBUG"):
        raise
    print_error(message, hint)
    raise typer.Exit(code)


def _show_flags_as_flags(command: Any, ctx: Any) -> None:
    """Typer's help gives every option a type column, so `--json <bool>` reads as if it took a
    value. A flag takes none: an empty metavar leaves its type column empty. The help option is
    made on demand (and kept, click relies on that), so it is asked for here to be marked too."""
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is not None and getattr(param, "is_flag", False):
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _show_flags_as_flags(sub, ctx)


app = typer.Typer(
    cls=FriendlyErrors,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Operate tctfmsg: subscribers, campaigns, templates, providers and the embedded stack.",
)
app.add_typer(local.app, name="local")
app.add_typer(subscriber.app, name="subscriber")
app.add_typer(providers.app, name="providers")
app.add_typer(template.app, name="template")
app.add_typer(campaign.app, name="campaign")
app.add_typer(dlq.app, name="dlq")
app.add_typer(notify.app, name="notify")
app.add_typer(user.app, name="user")
app.add_typer(chat.app, name="chat")
app.add_typer(suppression.app, name="suppression")
app.command("demo")(demo.demo_command)
app.command("doctor")(doctor.doctor_command)


@app.callback()
def target(
    ctx: typer.Context,
    use_local: Annotated[
        bool, typer.Option("--local", help="Target the embedded stack (or TCTFMSG_TARGET=local).")
    ] = False,
    stage: Annotated[
        str | None,
        typer.Option(help="Target a deployed stage; AWS profile and region from AWS_* variables."),
    ] = None,
) -> None:
    """Choose what every command acts on: the embedded stack or a deployed stage."""
    if use_local and stage:
        raise InvalidInput("use either --local or --stage, not both", "drop one of them")
    overrides: dict[str, object] = {}
    if use_local:
        overrides["target"] = "local"
    if stage:
        overrides.update(target="aws", stage=stage)
    state(ctx).overrides = overrides


def main() -> None:
    app()
