"""What every command gets from the shared console and the app: user text never read as
markup, one bounded error line, flags shown as flags, piped output that does not wrap."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from rich.table import Table
from typer.testing import CliRunner

from tctfmsg.cli import console as console_module
from tctfmsg.cli.app import app
from tctfmsg.cli.console import OutputConsole, literal, print_json, print_json_stream
from tctfmsg.cli.context import CliState
from tests.unit.cli.conftest import Cli

LONG_WORDS = " ".join(f"word{i:03}" for i in range(40))  # 319 characters
LONG_NAME = LONG_WORDS[:159]  # under the bound on one value, over 80 columns


def test_a_settings_error_keeps_its_square_brackets(monkeypatch):
    monkeypatch.delenv("TCTFMSG_STAGE", raising=False)
    result = CliRunner().invoke(
        app, ["--stage", "NoSuch", "subscriber", "list"], obj=CliState(), env={"NO_COLOR": "1"}
    )

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid setting stage: String should match pattern '^[a-z][a-z0-9-]{0,19}$' — "
        "check TCTFMSG_STAGE or the matching CLI option"
    ]


def test_an_error_is_one_bounded_line_whatever_the_message_holds(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(console_module, "err_console", OutputConsole(file=err, soft_wrap=True))

    console_module.print_error("bad\nvalue \x1b[31m[red]" + "x" * 2000, "fix [it]")

    (line,) = err.getvalue().splitlines()
    assert line.startswith("error: bad value  [31m[red]xxx")
    assert "\x1b" not in line  # no escape sequence reaches the terminal
    assert line.endswith("x…(2,020 chars) — fix [it]")
    assert len(line) < 1300


def test_literal_is_read_by_rich_as_the_text_it_was():
    out, text = io.StringIO(), "[bold]Ann[/bold] \\[x]"
    OutputConsole(file=out, width=200).print(f"name: {literal(text)}")
    assert out.getvalue() == f"name: {text}\n"


def test_literal_cuts_a_runaway_value_short():
    assert literal("a" * 500, limit=10) == "aaaaaaaaa…(500 chars)"


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


def test_no_help_shows_a_flag_as_taking_a_value(cli: Cli):
    paths = list(_command_paths(typer.main.get_command(app)))
    assert ("subscriber", "list") in paths

    for path in paths:
        result = cli(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.stdout, path


def test_a_flag_shows_no_type_and_an_option_keeps_its_own(cli: Cli):
    help_text = cli("subscriber", "list", "--help").stdout
    lines = {line.split()[1]: line for line in help_text.splitlines() if line.startswith("│ --")}

    assert lines["--json"].split()[:3] == ["│", "--json", "Print"]
    assert lines["--all"].split()[:3] == ["│", "--all", "Every"]
    assert "<int>" in lines["--limit"]


def _render(target: OutputConsole) -> str:
    table = Table("email", "name")
    table.add_row("ann@example.com", LONG_WORDS)
    target.print(table)
    target.print(LONG_WORDS)
    return target.file.getvalue()  # type: ignore[attr-defined]


def test_piped_output_does_not_wrap_at_80_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    printed = _render(OutputConsole(file=io.StringIO()))

    row = next(line for line in printed.splitlines() if "ann@example.com" in line)
    assert LONG_WORDS in row
    assert printed.splitlines()[-1] == LONG_WORDS


def test_a_terminal_keeps_its_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    printed = _render(OutputConsole(file=io.StringIO(), force_terminal=True, no_color=True))

    visible = re.sub(r"\x1b\[[0-9;]*m", "", printed)  # a terminal gets styles, not characters
    assert max(len(line) for line in visible.splitlines()) == 60


def test_piped_cli_output_keeps_a_long_row_whole(cli: Cli, monkeypatch):
    from types import SimpleNamespace

    from tctfmsg.campaigns.domain.subscriber import Subscriber
    from tests.unit.subscribers.fakes import FakeSubscriberStore

    monkeypatch.delenv("COLUMNS", raising=False)
    cli.env = {"NO_COLOR": "1"}
    cli.campaigns = SimpleNamespace(
        subscribers=FakeSubscriberStore(Subscriber("a@x.io", LONG_NAME))
    )

    result = cli("subscriber", "list")

    assert any(LONG_NAME in line and "a@x.io" in line for line in result.stdout.splitlines())


@pytest.mark.parametrize("items", [[], [{"a": 1}], [{"a": [1, 2]}, {"b": {"c": None}}]])
def test_a_streamed_json_object_is_what_print_json_prints(items, capsys):
    print_json({"subscribers": items, "next_cursor": "abc"})
    whole = capsys.readouterr().out

    print_json_stream("subscribers", iter(items), {"next_cursor": "abc"})

    assert capsys.readouterr().out == whole
    assert json.loads(whole)["subscribers"] == items


def test_the_width_is_the_columns_set_when_printing_not_when_the_console_was_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pytest-xdist workers start with COLUMNS=80; the console module is imported then
    monkeypatch.setenv("COLUMNS", "80")
    made_narrow = OutputConsole(file=io.StringIO())
    monkeypatch.setenv("COLUMNS", "150")

    assert made_narrow.size.width == 150
    assert OutputConsole(file=io.StringIO(), width=60).size.width == 60  # asked for: kept
