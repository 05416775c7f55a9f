"""Reads subscriber exports (CSV or JSON Lines) record by record, and writes the reject file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tctfmsg.campaigns.domain.subscriber_rows import (
    FORMULA_STARTS,
    SourceRecord,
    loads_strict,
    require_email_column,
)
from tctfmsg.core.errors import InvalidInput

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


class ImportFile:
    """An export on disk. Opening it checks what can be checked before a row is read: the path
    is a readable file, and a CSV's header names an email column."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            raise InvalidInput(f"{path} is a directory", "give the export file itself")
        if not path.exists():
            raise InvalidInput(f"no such file: {path}", "check the path and try again")
        if not path.is_file():
            raise InvalidInput(f"{path} is not a regular file", "save the export to a file first")
        self.path = path
        self.is_jsonl = path.suffix.lower() in JSONL_SUFFIXES or self._looks_like_jsonl()
        self.header: list[str] = [] if self.is_jsonl else self._read_header()
        if self.header:
            require_email_column(self.header, path.name)

    @property
    def reject_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}.rejected.csv")

    def estimated_records(self) -> int:
        """Lines in the file, less a CSV header: the progress bar's total, not a count."""
        with self.path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return max(lines - (0 if self.is_jsonl else 1), 1)

    def records(self) -> Iterator[SourceRecord]:
        with self._open() as handle:
            yield from self._jsonl(handle) if self.is_jsonl else self._csv(handle)

    def _read_header(self) -> list[str]:
        with self._open() as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise InvalidInput(f"{self.path.name} is empty", "export the list again")
        return header

    @contextmanager
    def _open(self, errors: str = "strict") -> Iterator[IO[str]]:
        try:
            with self.path.open(encoding="utf-8-sig", errors=errors, newline="") as handle:
                yield handle
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{self.path.name} is not UTF-8 text (bad byte at offset {exc.start})",
                "export it again as UTF-8, then re-run the import",
            ) from None
        except OSError as exc:
            raise InvalidInput(
                f"cannot read {self.path}: {exc.strerror}", "check its permissions"
            ) from None

    def _csv(self, handle: IO[str]) -> Iterator[SourceRecord]:
        reader = csv.reader(handle)
        header = next(reader)  # read and checked when the file was opened
        end_of_previous = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a field over the csv module's limit, say: that row only
                line, end_of_previous = end_of_previous + 1, reader.line_num
                yield SourceRecord(line, None, [], f"row cannot be read as CSV: {exc}")
                continue
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield SourceRecord(
                    line,
                    None,
                    row,
                    f"row has {len(row)} fields but the header has {len(header)}",
                )
                continue
            yield SourceRecord(line, dict(zip(header, row, strict=True)), row)

    def _jsonl(self, handle: IO[str]) -> Iterator[SourceRecord]:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            raw = text.rstrip("\r\n")
            try:
                value = loads_strict(text)
            except InvalidInput as exc:
                yield SourceRecord(number, None, raw, f"line is not valid JSON: {exc.message}")
                continue
            except ValueError:
                yield SourceRecord(number, None, raw, "line is not valid JSON")
                continue
            if not isinstance(value, dict):
                yield SourceRecord(number, None, raw, "line is not a JSON object")
                continue
            yield SourceRecord(number, value, raw)

    def _looks_like_jsonl(self) -> bool:
        with self._open(errors="replace") as handle:
            for text in handle:
                if text.strip():
                    return text.lstrip().startswith("{")
        return False


def neutralised(cell: str) -> str:
    """The cell as a spreadsheet shows it and never runs it: a leading quote before a formula
    start (the import takes it off again when it reads a reject file)."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


class RejectFile:
    """Rejected records, written whole with their line and reason; opened on the first one."""

    def __init__(self, source: ImportFile) -> None:
        self.source = source
        self.path = source.reject_path
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def write(self, record: SourceRecord, reason: str) -> None:
        if self._writer is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            columns = ["record"] if self.source.is_jsonl else self.source.header
            header = [*columns, "reject_line", "reject_reason"]
            self._writer.writerow([neutralised(cell) for cell in header])
        cells = [*self._cells(record), str(record.line), reason]
        self._writer.writerow([neutralised(cell) for cell in cells])
        self.count += 1

    def _cells(self, record: SourceRecord) -> list[str]:
        """The row as it stood, padded to the header when it was short, so reject_line and
        reject_reason stay in their own columns and the fixed file imports as it is."""
        if isinstance(record.raw, str):
            return [record.raw]
        missing = len(self.source.header) - len(record.raw)
        return [*record.raw, *[""] * missing]

    def close(self) -> None:
        if self._handle:
            self._handle.close()
