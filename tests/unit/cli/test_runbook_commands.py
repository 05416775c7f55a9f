"""Every `tctfmsg …` command a runbook tells an operator to run exists: its command path answers
`--help`, in-process, and each `--option` it names is an option of that command (0085).
Commands are read from inline code and from fenced code blocks of every docs/runbooks/*.md."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from tctfmsg.cli.app import app

RUNBOOKS = Path(__file__).resolve().parents[3] / "docs" / "runbooks"
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(r"`([^`\n]+)`")
_COMMAND = re.compile(r"(?:^|[\s(\"$])(tctfmsg(?:\s+[^\s`|;&)]+)*)")
_PLACEHOLDER = ("…", "...")


def commands_in(text: str) -> list[str]:
    """Each `tctfmsg …` command line in fenced blocks and inline code, as written."""
    spans = _FENCE.findall(text)
    outside = _FENCE.sub("", text)
    spans += _INLINE.findall(outside)
    found: list[str] = []
    for span in spans:
        for line in span.splitlines():
            line = line.split(" #", 1)[0]
            found += [m.group(1).strip() for m in _COMMAND.finditer(line)]
    return found


def command_path(root: Any, words: list[str]) -> tuple[list[str], Any]:
    """The subcommand names of `words` (global options skipped), and the command they reach.
    Typer 0.29 carries its own copy of click, so commands are read by their public attributes:
    a group's `commands`, a command's `params`."""
    path: list[str] = []
    command = root
    queue = list(words)
    while queue and hasattr(command, "commands"):
        word = queue.pop(0)
        if word.startswith("-"):
            option = _option(command, word)
            if option is None:
                raise AssertionError(f"{' '.join(path) or 'tctfmsg'} has no option {word}")
            if not option.is_flag and "=" not in word:
                queue.pop(0)
            continue
        sub = command.commands.get(word)
        if sub is None:
            raise AssertionError(f"no command {' '.join([*path, word])}")
        path.append(word)
        command = sub
    for word in queue:
        if word.startswith("--") and word not in _PLACEHOLDER and _option(command, word) is None:
            raise AssertionError(f"tctfmsg {' '.join(path)} has no option {word}")
    return path, command


def _option(command: Any, word: str) -> Any:
    name = word.split("=", 1)[0]
    for param in command.params:
        if param.param_type_name == "option" and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _runbook_commands() -> list[tuple[str, str]]:
    found = []
    for runbook in sorted(RUNBOOKS.glob("*.md")):
        found += [(runbook.name, line) for line in commands_in(runbook.read_text())]
    return found


RUNBOOK_COMMANDS = _runbook_commands()


def test_the_runbooks_name_commands_at_all():
    assert len(RUNBOOK_COMMANDS) > 50
    assert {name for name, _ in RUNBOOK_COMMANDS} == {p.name for p in RUNBOOKS.glob("*.md")}


@pytest.mark.parametrize(("runbook", "line"), RUNBOOK_COMMANDS)
def test_every_runbook_command_exists_and_answers_help(runbook, line):
    words = [w for w in shlex.split(line.replace("'", '"'), posix=True)[1:]]
    root = typer.main.get_command(app)
    path, _command = command_path(root, [w for w in words if w not in _PLACEHOLDER])
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, f"{runbook}: `{line}`: {result.output}"


def test_a_misspelt_command_or_option_is_caught():
    root = typer.main.get_command(app)
    with pytest.raises(AssertionError, match="no command dlq retyr"):
        command_path(root, ["dlq", "retyr"])
    with pytest.raises(AssertionError, match="has no option --campain"):
        command_path(root, ["dlq", "retry", "--campain", "C"])
    assert command_path(root, ["--stage", "prod", "dlq", "stats"])[0] == ["dlq", "stats"]


def test_commands_are_read_from_code_blocks_and_inline_code_only():
    text = (
        "Run `tctfmsg dlq stats` then tctfmsg not-in-code.\n"
        '```sh\ntctfmsg providers list   # which one\neval "$(tctfmsg local env)"\n```\n'
    )
    assert sorted(commands_in(text)) == [
        "tctfmsg dlq stats",
        "tctfmsg local env",
        "tctfmsg providers list",
    ]
