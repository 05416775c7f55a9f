"""Persistence for the embedded stack. moto keeps state in memory only, so the AWS process
pickles its service backends on shutdown and loads them on the next start (docs/decisions/0001);
between snapshots its journal keeps every acknowledged write, and a snapshot records the last
journal record it contains (docs/decisions/0082)."""

from __future__ import annotations

import copyreg
import os
import pickle
import threading
from pathlib import Path
from typing import Any

# Every service the platform provisions or calls; a backend never touched is skipped.
SERVICES = (
    "dynamodb",
    "sqs",
    "secretsmanager",
    "ses",
    "sesv2",
    "s3",
    "events",
    "ssm",
    "apigateway",
    "cloudformation",
)
FORMAT = 2  # 2: the journal sequence number it contains
READABLE_FORMATS = (1, 2)


def _register_lock_reducers() -> None:
    # Backends hold locks; a restored backend gets fresh, unheld ones.
    copyreg.pickle(type(threading.RLock()), lambda _: (threading.RLock, ()))
    copyreg.pickle(type(threading.Lock()), lambda _: (threading.Lock, ()))


def capture(journal_seq: int = 0) -> bytes:
    """The backends as bytes; the caller keeps writes out while this runs."""
    from moto.backends import get_backend

    _register_lock_reducers()
    state: dict[str, Any] = {"format": FORMAT, "journal_seq": journal_seq, "backends": {}}
    for service in SERVICES:
        backend = get_backend(service)  # type: ignore[call-overload]
        if len(backend):
            state["backends"][service] = dict(backend)
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def write(path: Path, data: bytes) -> int:
    """Atomically and durably: a power cut leaves the old snapshot or the new one."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return len(data)


def save(path: Path, journal_seq: int = 0) -> int:
    return write(path, capture(journal_seq))


def load(path: Path) -> tuple[list[str], int]:
    """Loads a snapshot into the running moto backends: the services restored and the last
    journal record it contains."""
    from moto.backends import get_backend

    _register_lock_reducers()
    with path.open("rb") as handle:
        state = pickle.load(handle)
    if state.get("format") not in READABLE_FORMATS:
        raise ValueError(f"snapshot format {state.get('format')} is not {FORMAT}")
    for service, accounts in state["backends"].items():
        backend = get_backend(service)
        backend.clear()
        backend.update(accounts)
    return sorted(state["backends"]), int(state.get("journal_seq", 0))


def restore(path: Path) -> list[str]:
    """Load a snapshot into the running moto backends; returns the services restored."""
    return load(path)[0]
