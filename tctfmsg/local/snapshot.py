"""Persistence for the embedded stack. moto keeps state in memory only, so the daemon pickles
its service backends on shutdown and loads them on the next start (docs/decisions/0001)."""

from __future__ import annotations

import copyreg
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
FORMAT = 1


def _register_lock_reducers() -> None:
    # Backends hold locks; a restored backend gets fresh, unheld ones.
    copyreg.pickle(type(threading.RLock()), lambda _: (threading.RLock, ()))
    copyreg.pickle(type(threading.Lock()), lambda _: (threading.Lock, ()))


def save(path: Path) -> int:
    from moto.backends import get_backend

    _register_lock_reducers()
    state: dict[str, Any] = {"format": FORMAT, "backends": {}}
    for service in SERVICES:
        backend = get_backend(service)  # type: ignore[call-overload]
        if len(backend):
            state["backends"][service] = dict(backend)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return path.stat().st_size


def restore(path: Path) -> list[str]:
    """Load a snapshot into the running moto backends; returns the services restored."""
    from moto.backends import get_backend

    _register_lock_reducers()
    with path.open("rb") as handle:
        state = pickle.load(handle)
    if state.get("format") != FORMAT:
        raise ValueError(f"snapshot format {state.get('format')} is not {FORMAT}")
    for service, accounts in state["backends"].items():
        backend = get_backend(service)
        backend.clear()
        backend.update(accounts)
    return sorted(state["backends"])
