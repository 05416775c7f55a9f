"""Markers follow the folder a test lives in, so every test carries exactly one layer.

On pytest-xdist (`make test` runs two workers, `--dist loadgroup`) the e2e tests are one group:
one worker runs them all, in order, on one embedded stack, while the other runs the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

LAYERS = ("unit", "integration", "e2e", "cdk")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for layer in LAYERS:
            if layer in parts:
                item.add_marker(getattr(pytest.mark, layer))
        if "e2e" in parts:
            item.add_marker(pytest.mark.xdist_group("e2e"))
