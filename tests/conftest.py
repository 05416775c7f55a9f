"""Markers follow the folder a test lives in, so every test carries exactly one layer.

On pytest-xdist (`make test` runs two workers) the e2e tests are one unit of work: one worker
runs them all, in order, on one embedded stack, while the other runs the rest a file at a time.
(xdist's own `xdist_group` mark does nothing under pytest 9, which no longer lets a plugin
rename a test's node id: the grouping is this file's scheduler instead.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

LAYERS = ("unit", "integration", "e2e", "cdk")
E2E = "tests/e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for layer in LAYERS:
            if layer in parts:
                item.add_marker(getattr(pytest.mark, layer))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class E2eTogether(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return E2E if path.startswith(E2E + "/") else path

    return E2eTogether(config, log)
