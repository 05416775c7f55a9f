"""The communication service on hand-written fakes (tests/support/notification_world.py)."""

from __future__ import annotations

import pytest

from tests.support.notification_world import Service, world


@pytest.fixture
def service() -> Service:
    return world()
