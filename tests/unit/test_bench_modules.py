"""Every benchmark still imports against the library as it is now: a move or rename that
would leave `make bench` dead fails here, in the test run, instead."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*_bench.py")))
def test_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")

    assert callable(module.main)
