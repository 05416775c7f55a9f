"""Batch reads and writes that finish the job: unprocessed items are retried with backoff."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tctfmsg.core.errors import Throttled

_T = TypeVar("_T")

WRITE_BATCH = 25
READ_BATCH = 100
MAX_ROUNDS = 12
READ_WORKERS = 8


def write_all(client: Any, requests: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """requests: (table, WriteRequest) pairs, e.g. ("t", {"PutRequest": {"Item": {...}}})."""
    for chunk in _chunks(requests, WRITE_BATCH):
        pending: dict[str, list[dict[str, Any]]] = {}
        for table, request in chunk:
            pending.setdefault(table, []).append(request)
        for attempt in range(MAX_ROUNDS):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            _backoff(attempt)
        else:
            raise Throttled(
                f"DynamoDB left {sum(map(len, pending.values()))} writes unprocessed",
                "the table is throttling; run the command again, it is safe to repeat",
            )


def get_all(
    client: Any,
    table: str,
    keys: Sequence[dict[str, Any]],
    *,
    consistent: bool = False,
    projection: str | None = None,
    names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every item found for `keys`, in no particular order; chunks of 100 read in parallel.
    `names`: the ExpressionAttributeNames the projection uses."""
    options: dict[str, Any] = {"ConsistentRead": consistent}
    if projection:
        options["ProjectionExpression"] = projection
    if names:
        options["ExpressionAttributeNames"] = names
    chunks = [list(chunk) for chunk in _chunks(keys, READ_BATCH)]
    if len(chunks) <= 1:
        return [item for chunk in chunks for item in _get_chunk(client, table, chunk, options)]
    with ThreadPoolExecutor(max_workers=min(READ_WORKERS, len(chunks))) as pool:
        found = pool.map(lambda chunk: _get_chunk(client, table, chunk, options), chunks)
        return [item for items in found for item in items]


def _get_chunk(
    client: Any, table: str, keys: list[dict[str, Any]], options: dict[str, Any]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    pending: dict[str, Any] = {table: {"Keys": keys, **options}}
    for attempt in range(MAX_ROUNDS):
        response = client.batch_get_item(RequestItems=pending)
        items.extend(response.get("Responses", {}).get(table, []))
        pending = response.get("UnprocessedKeys") or {}
        if not pending:
            return items
        _backoff(attempt)
    raise Throttled("DynamoDB left reads unprocessed", "run the command again")


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _backoff(attempt: int) -> None:
    time.sleep(min(0.05 * 2**attempt, 2.0))
