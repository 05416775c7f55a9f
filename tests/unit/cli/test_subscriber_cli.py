"""`tctfmsg subscriber …` driven in-process on an in-memory store: what each command prints,
its exit code, and what it did to the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.cli.conftest import Cli
from tests.unit.subscribers.fakes import FakeSubscriberStore

SUMMARY_KEYS = ("read", "imported", "updated", "unchanged", "skipped", "duplicates", "rejected")


class Untouchable:
    """A campaigns root that records whether a command asked it for anything."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.asked.append(name)
        return FakeSubscriberStore()


@pytest.fixture
def store(cli: Cli) -> FakeSubscriberStore:
    store = FakeSubscriberStore()
    cli.campaigns = SimpleNamespace(subscribers=store, suppressions=MemorySuppressions())
    return store


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_lines(result: Any) -> list[str]:
    return result.stderr.strip().splitlines()


# ---- import ------------------------------------------------------------------------------


def test_import_writes_the_rows_and_prints_a_summary_without_a_header_row(cli, store, tmp_path):
    path = write(tmp_path / "people.csv", "email,name\nann@x.io,Ann\nbo@x.io,Bo\n")

    result = cli("subscriber", "import", str(path), "--list", "news")

    assert result.exit_code == 0, result.output
    assert sorted(store.items) == ["ann@x.io", "bo@x.io"]
    assert store.items["ann@x.io"].lists == {"news"}
    lines = [line.strip("│┃ ") for line in result.stdout.splitlines()]
    assert "outcome" not in result.stdout  # no header row: the labels say what the values are
    assert lines[0] == "Import"
    assert any(line.split() == ["imported", "│", "2"] for line in lines)
    assert result.stderr == ""


def test_import_json_reports_every_count_and_the_rejections(cli, store, tmp_path):
    path = write(tmp_path / "people.csv", "email\nann@x.io\nnot-an-address\nANN@x.io\n")

    result = cli("subscriber", "import", str(path), "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {k: report[k] for k in SUMMARY_KEYS} == {
        "read": 3,
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "duplicates": 1,
        "rejected": 1,
    }
    assert report["reject_file"] == str(tmp_path / "people.rejected.csv")
    assert [r["line"] for r in report["rejections"]] == [3]


def test_import_dry_run_writes_nothing_and_says_so(cli, store, tmp_path):
    path = write(tmp_path / "people.csv", "email\nann@x.io\n")

    result = cli("subscriber", "import", str(path), "--dry-run")

    assert result.exit_code == 0, result.output
    assert store.writes == 0
    assert "Import (dry run: nothing written)" in result.stdout


def test_import_with_on_existing_skip_leaves_existing_subscribers(cli, store, tmp_path):
    store.items["ann@x.io"] = Subscriber("ann@x.io", name="Old")
    path = write(tmp_path / "people.csv", "email,name\nann@x.io,New\n")

    result = cli("subscriber", "import", str(path), "--on-existing", "skip", "--json")

    assert json.loads(result.stdout)["skipped"] == 1
    assert store.items["ann@x.io"].name == "Old"


def test_a_file_without_an_email_column_fails_once_up_front_naming_its_columns(cli, tmp_path):
    cli.campaigns = root = Untouchable()
    path = write(tmp_path / "people.csv", "name,phone\nAnn,1\nBo,2\nCy,3\n")

    result = cli("subscriber", "import", str(path))

    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: people.csv has no email column (found: 'name', 'phone') — name the address "
        "column 'email' (or 'Email Address') and import again"
    ]
    assert root.asked == []  # the target was never touched: nothing written
    assert not (tmp_path / "people.rejected.csv").exists()


def test_a_header_only_file_warns_in_one_line_and_exits_1(cli, store, tmp_path):
    path = write(tmp_path / "people.csv", "email,name\n")

    result = cli("subscriber", "import", str(path))

    assert result.exit_code == 1
    assert error_lines(result) == [
        "warning: people.csv has a header but no rows: nothing imported — check the export"
    ]
    assert store.writes == 0


def test_a_directory_is_reported_as_a_directory(cli, store, tmp_path):
    result = cli("subscriber", "import", str(tmp_path))

    assert result.exit_code == 1
    assert error_lines(result) == [
        f"error: {tmp_path} is a directory — give the export file itself"
    ]


def test_a_missing_file_is_one_clear_line(cli, store, tmp_path):
    result = cli("subscriber", "import", str(tmp_path / "nope.csv"))

    assert result.exit_code == 1
    assert error_lines(result) == [
        f"error: no such file: {tmp_path / 'nope.csv'} — check the path and try again"
    ]


def test_square_brackets_in_a_path_are_printed_as_they_are(cli, store, tmp_path):
    folder = tmp_path / "[red]exports"
    missing = cli("subscriber", "import", str(folder / "[bold]nope.csv"))
    path = write(folder / "a[red]b.csv", "email\nnot-an-address\n")

    result = cli("subscriber", "import", str(path))

    assert f"no such file: {folder / '[bold]nope.csv'}" in missing.stderr
    assert result.exit_code == 0, result.output
    assert f"rejected rows, with reasons: {folder / 'a[red]b.rejected.csv'}" in result.stdout


def test_a_rejection_reason_quoting_the_row_is_not_read_as_markup(cli, store, tmp_path):
    path = write(tmp_path / "people.csv", "email\n[bold]x[/bold]\n")

    result = cli("subscriber", "import", str(path))

    assert error_lines(result)[0].startswith("line 2: invalid email '[bold]x[/bold]'")


def test_a_short_row_lands_in_the_reject_file_padded_and_the_fixed_file_imports(
    cli, store, tmp_path
):
    path = write(tmp_path / "people.csv", "email,name,city\nann@x.io,Ann\n")
    first = json.loads(cli("subscriber", "import", str(path), "--json").stdout)
    assert first["rejected"] == 1
    rejected = Path(first["reject_file"])
    with rejected.open(newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["city"], row["reject_line"]) == ("", "2")

    rejected.write_text(rejected.read_text().replace("ann@x.io,Ann,,", "ann@x.io,Ann,Oslo,"))
    again = json.loads(cli("subscriber", "import", str(rejected), "--json").stdout)

    assert (again["imported"], again["rejected"]) == (1, 0)
    assert store.items["ann@x.io"].attributes == {"city": "Oslo"}


# ---- list --------------------------------------------------------------------------------


def people(count: int, **fields: Any) -> list[Subscriber]:
    return [Subscriber(f"u{i:03}@x.io", name=f"User {i}", **fields) for i in range(count)]


def seed(store: FakeSubscriberStore, *subscribers: Subscriber) -> None:
    for s in subscribers:
        store.items[s.key] = s
        store.memberships.update((lst, s.key) for lst in s.lists)


def test_list_prints_one_page_and_how_to_get_the_next(cli, store):
    seed(store, *people(3))

    first = cli("subscriber", "list", "--limit", "2")

    assert first.exit_code == 0, first.output
    assert "u000@x.io" in first.stdout and "u001@x.io" in first.stdout
    assert "u002@x.io" not in first.stdout
    *_, count, hint = first.stdout.strip().splitlines()
    assert count == "2 subscribers"
    assert hint.startswith("more follow: repeat with --cursor ")
    cursor = hint.rsplit(" ", 1)[-1]

    second = cli("subscriber", "list", "--limit", "2", "--cursor", cursor)

    assert "u002@x.io" in second.stdout and "u001@x.io" not in second.stdout
    assert second.stdout.strip().splitlines()[-1] == "1 subscriber"
    assert store.pages_read == [(None, 2, None, None), ("u001@x.io", 2, None, None)]


def test_list_reads_a_page_of_100_by_default(cli, store):
    seed(store, *people(101))

    result = cli("subscriber", "list", "--json")

    assert len(json.loads(result.stdout)["subscribers"]) == 100
    assert store.pages_read == [(None, 100, None, None)]


def test_list_json_holds_the_page_and_the_next_cursor(cli, store):
    seed(store, *people(3, lists=frozenset({"news"})))

    page = json.loads(cli("subscriber", "list", "--list", "news", "--limit", "2", "--json").stdout)
    rest = cli("subscriber", "list", "--list", "news", "--cursor", page["next_cursor"], "--json")

    assert [s["email"] for s in page["subscribers"]] == ["u000@x.io", "u001@x.io"]
    assert page["subscribers"][0] == {
        "email": "u000@x.io",
        "name": "User 0",
        "status": "subscribed",
        "lists": ["news"],
        "attributes": {},
        "created_at": None,
        "updated_at": None,
    }
    assert json.loads(rest.stdout) == {
        "subscribers": [json.loads(rest.stdout)["subscribers"][0]],
        "next_cursor": None,
    }
    assert json.loads(rest.stdout)["subscribers"][0]["email"] == "u002@x.io"


def test_list_all_reads_every_page_to_the_end(cli, store):
    seed(store, *people(5))

    result = cli("subscriber", "list", "--all", "--limit", "2", "--json")

    listed = json.loads(result.stdout)
    assert [s["email"] for s in listed["subscribers"]] == [f"u{i:03}@x.io" for i in range(5)]
    assert listed["next_cursor"] is None
    assert [read[1] for read in store.pages_read] == [2, 2, 2]


def test_list_all_as_a_table_prints_everyone_and_no_cursor(cli, store):
    seed(store, *people(3))

    result = cli("subscriber", "list", "--all", "--limit", "1")

    assert result.stdout.strip().splitlines()[-1] == "3 subscribers"
    assert "--cursor" not in result.stdout


def test_list_of_one_list_and_status_asks_the_store_for_just_those(cli, store):
    seed(store, *people(2, lists=frozenset({"news"})))
    seed(store, Subscriber("gone@x.io", lists=frozenset({"news"}), status=SubscriberStatus.BOUNCED))

    result = cli("subscriber", "list", "--list", "news", "--status", "bounced", "--json")

    assert [s["email"] for s in json.loads(result.stdout)["subscribers"]] == ["gone@x.io"]
    assert store.pages_read == [(None, 100, "news", SubscriberStatus.BOUNCED)]


def test_an_edited_cursor_is_one_clear_line(cli, store):
    seed(store, *people(3))
    result = cli("subscriber", "list", "--cursor", "bm90LWEtY3Vyc29y")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: that cursor is not one this command printed (edited or cut short?) — copy it "
        "whole from the last page's output, or start again without --cursor"
    ]
    assert result.stdout == ""


def test_a_page_size_out_of_range_is_one_clear_line(cli, store):
    result = cli("subscriber", "list", "--limit", "0", "--json")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: a page holds 1 to 1000 subscribers, not 0 — give another --limit, or --all for "
        "every page"
    ]
    assert result.stdout == ""


def test_names_and_lists_are_printed_as_they_are_not_as_markup(cli, store):
    seed(store, Subscriber("ann@x.io", name="[red]Ann[/red]", lists=frozenset({"[b]vip"})))

    result = cli("subscriber", "list")

    assert "[red]Ann[/red]" in result.stdout
    assert "[b]vip" in result.stdout


# ---- show, unsubscribe, delete -----------------------------------------------------------


def test_show_prints_every_field_and_attribute(cli, store):
    seed(store, Subscriber("ann@x.io", name="Ann", attributes={"city": "[i]Oslo"}))

    result = cli("subscriber", "show", "ANN@x.io")

    assert result.exit_code == 0, result.output
    rows = [line.rstrip().split(None, 1) for line in result.stdout.strip().splitlines()]
    assert ["email", "ann@x.io"] in rows
    assert ["status", "subscribed"] in rows
    assert ["attributes.city", "[i]Oslo"] in rows


def test_show_json_is_the_whole_subscriber(cli, store):
    seed(store, Subscriber("ann@x.io", name="Ann", lists=frozenset({"b", "a"})))

    shown = json.loads(cli("subscriber", "show", "ann@x.io", "--json").stdout)

    assert (shown["email"], shown["name"], shown["lists"]) == ("ann@x.io", "Ann", ["a", "b"])


def test_show_of_nobody_is_one_clear_line(cli, store):
    result = cli("subscriber", "show", "nobody@x.io")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: no subscriber nobody@x.io — check the address with `tctfmsg subscriber list`"
    ]


def test_unsubscribe_marks_the_subscriber_and_says_so(cli, store):
    seed(store, Subscriber("ann@x.io"))

    result = cli("subscriber", "unsubscribe", "Ann@X.io")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ann@x.io is unsubscribed"
    assert store.items["ann@x.io"].status is SubscriberStatus.UNSUBSCRIBED


def test_unsubscribe_leaves_a_bounce_a_bounce(cli, store):
    seed(store, Subscriber("ann@x.io", status=SubscriberStatus.BOUNCED))

    result = cli("subscriber", "unsubscribe", "ann@x.io")

    assert result.stdout.strip() == "ann@x.io is bounced"


def test_delete_erases_the_subscriber_and_memberships(cli, store):
    seed(store, Subscriber("ann@x.io", lists=frozenset({"news", "vip"})))

    result = cli("subscriber", "delete", "ann@x.io")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "deleted ann@x.io and 2 list membership(s)"
    assert store.items == {} and store.memberships == set()


def test_delete_of_nobody_changes_nothing_and_exits_1(cli, store):
    seed(store, Subscriber("ann@x.io"))

    result = cli("subscriber", "delete", "bo@x.io")

    assert result.exit_code == 1
    assert list(store.items) == ["ann@x.io"]
