"""The one Rich console every command prints through, the JSON printers, and the only ways
user-supplied or error text reaches Rich: escaped, on one line, and bounded in length."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table
from rich.text import Text

TEXT_LIMIT = 200  # one value: an address, a name, a path, a reason
MESSAGE_LIMIT = 600  # one error line with its hint
# Piped or redirected output is read by scripts and pagers: a line or a table row stays whole.
# Tables are only as wide as their content, so this is a ceiling, not a width anything fills.
PIPED_WIDTH = 4000


class OutputConsole(Console):
    """A terminal keeps its width; output into a pipe or a file does not wrap at 80 columns.
    An explicit COLUMNS still wins, as Rich documents: the one in the environment when a line
    is printed, not when this module was imported (Rich fixes the width it sees at creation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kwargs.get("width") is None:
            self._width = None  # measured at each print, from COLUMNS or the terminal
        if kwargs.get("height") is None:
            self._height = None

    @property
    def size(self) -> ConsoleDimensions:
        measured = super().size
        if self.is_terminal or "COLUMNS" in os.environ:
            return measured
        return ConsoleDimensions(PIPED_WIDTH, measured.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self.width, self.height = new_size


console = OutputConsole()
err_console = OutputConsole(stderr=True, soft_wrap=True)  # an error stays one line when piped


def literal(value: object, limit: int = TEXT_LIMIT) -> str:
    """`value` as it should appear inside Rich markup: nothing in it is taken for markup, a
    control character (a newline, an escape sequence) cannot break the line or restyle the
    terminal, and a runaway value is cut short with an ellipsis."""
    return escape(_one_line(value, limit))


def print_error(message: str, hint: str | None = None) -> None:
    """`error: what went wrong — what to do`, on stderr, as one line."""
    _print_line(("error:", "bold red"), message, hint)


def print_warning(message: str, hint: str | None = None) -> None:
    _print_line(("warning:", "bold yellow"), message, hint)


def summary_table(title: str) -> Table:
    """Label-and-value rows under a title: no header row, the labels say what each value is."""
    table = Table(
        show_header=False, title=literal(title), title_justify="left", min_width=len(title)
    )
    table.add_column(style="bold")
    table.add_column(justify="right")
    return table


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")


def print_json_stream(key: str, items: Iterable[Any], rest: Mapping[str, Any]) -> None:
    """`{key: [items…], **rest}`, written item by item as `print_json` would write it whole,
    so a listing of a million records never sits in memory."""
    write = sys.stdout.write
    write("{\n" + f"  {json.dumps(key)}: [")
    separator = "\n"
    for item in items:
        text = json.dumps(item, indent=2, default=str, ensure_ascii=False)
        write(separator + "    " + text.replace("\n", "\n    "))
        separator = ",\n"
    write("\n  ]" if separator == ",\n" else "]")
    for name, value in rest.items():
        text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
        write(f",\n  {json.dumps(name)}: " + text.replace("\n", "\n  "))
    write("\n}\n")


def _print_line(label: tuple[str, str], message: str, hint: str | None) -> None:
    # Text, not markup: square brackets in a message (a regex, a path) print as they are.
    line = Text.assemble(label, " ", _one_line(message, MESSAGE_LIMIT))
    if hint:
        line.append(" — " + _one_line(hint, MESSAGE_LIMIT))
    err_console.print(line)


def _one_line(value: object, limit: int) -> str:
    """Cut before cleaning, so a value of a million characters costs what `limit` costs; the
    cut says how long the value was."""
    text = str(value)
    cut = len(text) > limit
    shown = text[: limit - 1] if cut else text
    clean = "".join(c if c.isprintable() else " " for c in shown)
    return f"{clean}…({len(text):,} chars)" if cut else clean
