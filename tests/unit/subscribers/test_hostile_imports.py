"""Hostile exports: every bad row becomes a rejected row with its reason, the valid rows beside
it are imported, nothing raises past the import, and a store that fails part-way leaves a
report of exactly what was written (decision 0081)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tctfmsg.campaigns.adapters.import_files import ImportFile, RejectFile
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services.subscriber_import import (
    ImportInterrupted,
    ImportOptions,
    ImportReport,
    import_subscribers,
)
from tctfmsg.core.errors import Unavailable
from tests.unit.subscribers.fakes import FakeClock, FakeSubscriberStore


def _import(path: Path, store: FakeSubscriberStore | None = None) -> tuple[ImportReport, Path]:
    source = ImportFile(path)
    rejects = RejectFile(source)
    try:
        report = import_subscribers(
            source.records(), store or FakeSubscriberStore(), FakeClock(), rejects, ImportOptions()
        )
    finally:
        rejects.close()
    return report, rejects.path


def _reasons(report: ImportReport) -> dict[int, str]:
    return {r.line: r.reason for r in report.rejections}


def test_a_csv_field_over_the_csv_limit_is_one_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(f'email,name\nbig@x.io,"{"x" * 200_000}"\nok@x.io,Ok\n')
    store = FakeSubscriberStore()

    report, _ = _import(path, store)

    assert (report.read, report.imported, report.rejected) == (2, 1, 1)
    assert "field larger than field limit" in _reasons(report)[2]
    assert set(store.items) == {"ok@x.io"}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('{"email": "a@x.io", "n": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deep"),
        ('{"email": "a@x.io", "score": NaN}', "NaN is not a number JSON allows"),
        ('{"email": "a@x.io", "score": -Infinity}', "-Infinity is not a number JSON allows"),
        ('{"email": "a@x.io", "score": 1e999}', "too large for a number"),
        ('{"email": "a@x.io", "name": "\\ud800"}', "column 'name' holds a lone surrogate"),
        ('{"email": "a@x.io", "name": "Ada\\u0000"}', "column 'name' holds a NUL byte"),
        ('{"email": "a@x.io", "a": ' + '{"b": ' * 40 + "1" + "}" * 40 + "}", "deeper than 32"),
    ],
    ids=["deep", "nan", "infinity", "overflow", "surrogate", "nul", "deeper-than-dynamodb"],
)
def test_a_hostile_json_line_is_rejected_with_its_reason_and_its_neighbours_import(
    tmp_path: Path, line: str, says: str
) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text('{"email": "before@x.io"}\n' + line + '\n{"email": "after@x.io"}\n')
    store = FakeSubscriberStore()

    report, _ = _import(path, store)

    assert (report.read, report.imported, report.rejected) == (3, 2, 1)
    assert says in _reasons(report)[2]
    assert set(store.items) == {"before@x.io", "after@x.io"}


def test_a_nul_byte_in_a_csv_cell_is_rejected_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_text("email,name\nnul@x.io,Ada\x00Lovelace\nok@x.io,Ok\n")
    store = FakeSubscriberStore()

    report, _ = _import(path, store)

    assert _reasons(report) == {2: "column 'name' holds a NUL byte"}
    assert set(store.items) == {"ok@x.io"}


def test_nan_in_a_csv_attributes_cell_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "attrs.csv"
    path.write_text('email,attributes\nnan@x.io,"{""score"": NaN}"\nok@x.io,"{""a"": 1}"\n')

    report, _ = _import(path)

    assert "NaN is not a number JSON allows" in _reasons(report)[2]
    assert report.imported == 1


def test_a_row_too_large_for_the_store_is_rejected_and_the_rest_of_its_batch_imported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(f"email,name\nsmall@x.io,Small\nhuge@x.io,{'h' * 100}\nnext@x.io,Next\n")
    store = FakeSubscriberStore()
    store.item_limit = 50

    report, _ = _import(path, store)

    assert _reasons(report) == {3: "too large to store: over 50 characters"}
    assert set(store.items) == {"small@x.io", "next@x.io"}


def test_formula_cells_in_the_reject_file_are_neutralised_and_import_again_as_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "formulas.csv"
    path.write_text(
        "email,name,city\n"
        "=cmd|' /C calc'!A0,+SUM(1),@evil\n"  # not an address: rejected
        "-joe@x.io,-Joe,x\x00\n"  # the NUL rejects it
    )

    report, reject_path = _import(path)

    rows = list(csv.reader(reject_path.open(encoding="utf-8")))
    assert rows[1][:3] == ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'@evil"]
    assert rows[2][:2] == ["'-joe@x.io", "'-Joe"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    assert report.rejected == 2

    fixed = tmp_path / "fixed.csv"  # the operator fixes row 3 in place and imports the file
    fixed.write_text(reject_path.read_text().replace("x\x00", "Paris"))
    store = FakeSubscriberStore()
    again, _ = _import(fixed, store)
    assert store.items["-joe@x.io"].name == "-Joe"
    assert again.imported == 1


class StoreGoesAway(FakeSubscriberStore):
    """Accepts `writes_before_failing` batches, then cannot be reached."""

    def __init__(self, writes_before_failing: int) -> None:
        super().__init__()
        self.batches_left = writes_before_failing

    def save_many(
        self, subscribers: Sequence[Subscriber], memberships: Sequence[tuple[str, str]]
    ) -> None:
        if self.batches_left == 0:
            raise Unavailable("writing subscribers failed: EndpointConnectionError")
        self.batches_left -= 1
        super().save_many(subscribers, memberships)


def test_an_import_interrupted_part_way_says_what_was_written_and_can_be_run_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"email": f"p{i:04d}@x.io"}) + "\n" for i in range(1000)))
    store = StoreGoesAway(writes_before_failing=3)
    source = ImportFile(path)

    with pytest.raises(ImportInterrupted) as stopped:
        import_subscribers(
            source.records(), store, FakeClock(), RejectFile(source), ImportOptions(workers=1)
        )

    report = stopped.value.report
    assert report.imported == len(store.items) == 300
    assert "Written: 300 subscriber(s)" in stopped.value.message
    assert "run the same import again" in (stopped.value.hint or "")

    store.batches_left = -1  # back up: the same import again finishes the job
    rerun, _ = _import(path, store)
    assert (rerun.imported, rerun.unchanged) == (700, 300)
    assert len(store.items) == 1000
