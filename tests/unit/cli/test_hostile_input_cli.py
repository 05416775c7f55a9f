"""Hostile input through the CLI: header injection and hostile exports each get one clear
answer, never a traceback, and lose no valid row (decision 0081)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.cli_roots import CampaignWorld, error_line
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.cli.conftest import Cli
from tests.unit.subscribers.fakes import FakeSubscriberStore
from tests.unit.subscribers.test_hostile_imports import StoreGoesAway

CREATE = ["campaign", "create", "--name", "n", "--template", "newsletter", "--list", "news"]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--subject", "Hi\r\nBcc: x@evil.example"], "campaign subject holds a control character"),
        (
            ["--subject", "s", "--from", '"Evil\r\nBcc: x@evil.example" <news@example.com>'],
            "sender holds a control character (CR at position 5)",
        ),
        (["--subject", "s", "--from", "a@example.com, b@example.com"], "it holds 2"),
    ],
    ids=["subject", "sender-display-name", "two-senders"],
)
def test_create_refuses_header_injection_in_one_line(cli: Cli, extra: list[str], says: str) -> None:
    world = CampaignWorld()
    cli.campaigns = world

    result = cli(*CREATE, *extra)

    assert says in error_line(result)
    assert world.store.items == {}


def test_a_hostile_export_imports_its_valid_rows_and_reports_the_rest(
    cli: Cli, tmp_path: Path
) -> None:
    store = FakeSubscriberStore()
    cli.campaigns = SimpleNamespace(subscribers=store, suppressions=MemorySuppressions())
    path = tmp_path / "hostile.jsonl"
    lines = [
        {"email": "ok@x.io"},
        '{"email": "deep@x.io", "a": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"email": "nan@x.io", "score": NaN}',
        '{"email": "sur@x.io", "name": "\\ud800"}',
        {"email": "nul@x.io", "name": "A\x00"},
        {"email": "=cmd|' /C calc'!A0"},
        {"email": "also-ok@x.io"},
    ]
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))

    result = cli("subscriber", "import", str(path), "--json")

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert (report["read"], report["imported"], report["rejected"]) == (7, 2, 5)
    assert sorted(store.items) == ["also-ok@x.io", "ok@x.io"]
    rejected = _rows(tmp_path / "hostile.rejected.csv")
    assert [row[1] for row in rejected[1:]] == ["2", "3", "4", "5", "6"]
    assert rejected[5][0].startswith("{")  # a JSON line: no formula start, left as it was


def _rows(path: Path) -> list[list[str]]:
    """The reject file's rows; it holds the 200 KB line whole, over csv's default field limit."""
    default = csv.field_size_limit(1 << 20)
    try:
        return list(csv.reader(path.open(encoding="utf-8")))
    finally:
        csv.field_size_limit(default)


def test_an_import_the_store_drops_part_way_says_what_was_written_in_one_line(
    cli: Cli, tmp_path: Path
) -> None:
    store = StoreGoesAway(writes_before_failing=2)
    cli.campaigns = SimpleNamespace(subscribers=store, suppressions=MemorySuppressions())
    path = tmp_path / "many.csv"
    path.write_text("email\n" + "".join(f"p{i:04d}@x.io\n" for i in range(2_000)))

    line = error_line(cli("subscriber", "import", str(path)))

    assert "the import stopped part-way" in line
    assert f"Written: {len(store.items)} subscriber(s)" in line
    assert "run the same import again" in line
