"""Benchmark set-up shared by the campaign benchmarks: an audience written straight to the
tables (the import has its own benchmark), and helpers to time and report."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
from tctfmsg.campaigns.domain.subscriber import Subscriber


def write_audience(runtime: Runtime, list_name: str, count: int, workers: int = 8) -> None:
    now = datetime.now(UTC)
    people = [
        Subscriber(
            f"reader{i}@example.com",
            name=f"Reader {i}",
            lists=frozenset({list_name}),
            attributes={"first_name": f"Reader{i}"},
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]
    store = runtime.subscribers
    chunks = [people[i : i + 500] for i in range(0, count, 500)]
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda c: store.save_many(c, [(list_name, s.key) for s in c]), chunks))
