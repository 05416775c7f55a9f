"""Import 100,000 generated subscribers into the embedded stack and compare with raw
`batch_write_item` of the very same items, at the same concurrency, to the same endpoint.

Prints rows/s for both and their ratio (goal ≥ 0.8). Bounded: one pass each.
Run: .venv/bin/python bench/import_bench.py [ROWS]
"""

from __future__ import annotations

import csv
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._stack import private_stack
from tctfmsg.campaigns.adapters.import_files import ImportFile, RejectFile
from tctfmsg.campaigns.adapters.subscribers import SUBSCRIBER
from tctfmsg.campaigns.domain.subscriber_rows import subscriber_from_record
from tctfmsg.campaigns.services.subscriber_import import ImportOptions, import_subscribers
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.dynamodb import batch
from tctfmsg.core.resources import table
from tctfmsg.local.provision import create_table

WORKERS = int(os.environ.get("BENCH_WORKERS", "8"))
LIST = "bench"


def generate(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email Address", "First Name", "Last Name", "CITY", "MEMBER_RATING"])
        for i in range(rows):
            writer.writerow([f"user{i}@Example.com", f"First{i}", f"Last{i}", "Oslo", i % 5])


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp, private_stack() as runtime:
        source_path = Path(tmp) / "audience.csv"
        generate(source_path, rows)
        client = runtime.clients.client("dynamodb")

        # Baseline: the same items the import writes, pre-built, raw batch_write_item.
        raw_subscribers, raw_members = "bench-raw-subscribers", "bench-raw-members"
        create_table(client, _renamed("subscribers", raw_subscribers), "bench")
        create_table(client, _renamed("list_members", raw_members), "bench")
        source = ImportFile(source_path)
        items = [
            subscriber_from_record(r.fields or {}, frozenset({LIST})) for r in source.records()
        ]
        requests = []
        for s in items:
            requests.append((raw_subscribers, {"PutRequest": {"Item": SUBSCRIBER.to_item(s)}}))
            requests.append(
                (
                    raw_members,
                    {"PutRequest": {"Item": {"list": {"S": LIST}, "email_key": {"S": s.key}}}},
                )
            )
        chunks = [requests[i : i + 200] for i in range(0, len(requests), 200)]
        started = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda c: batch.write_all(client, c), chunks))
        raw_s = time.perf_counter() - started

        # The import, from the file on disk, as `tctfmsg subscriber import` runs it.
        rejects = RejectFile(source)
        started = time.perf_counter()
        report = import_subscribers(
            source.records(),
            runtime.subscribers,
            SystemClock(),
            rejects,
            ImportOptions(lists=frozenset({LIST}), workers=WORKERS),
        )
        import_s = time.perf_counter() - started
        assert report.imported == rows, report

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: {rows:,}  workers: {WORKERS}")
    print(
        f"raw batch_write_item: {rows / raw_s:,.0f} rows/s ({raw_s:.1f} s, {len(requests):,} items)"
    )
    print(
        f"tctfmsg import:       {rows / import_s:,.0f} rows/s ({import_s:.1f} s, parse+read+write)"
    )
    print(f"ratio import/raw:     {raw_s / import_s:.2f}  (goal >= 0.8)")
    print(f"peak RSS of this process: {peak_mb:,.0f} MB")


def _renamed(logical: str, name: str):  # type: ignore[no-untyped-def]
    spec = table(logical)

    class Named(type(spec)):  # type: ignore[misc]
        def physical_name(self, stage: str) -> str:
            return name

    return Named(**{f: getattr(spec, f) for f in spec.__dataclass_fields__})


if __name__ == "__main__":
    main()
