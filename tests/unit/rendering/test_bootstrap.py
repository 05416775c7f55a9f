"""The templates' composition root wires the use cases to the config table and SES without
reaching them until a use case asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import StackNotRunning
from tctfmsg.rendering import service
from tctfmsg.rendering.bootstrap import TemplateRoot


@pytest.fixture
def stack_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TemplateRoot:
    monkeypatch.delenv("TCTFMSG_ENDPOINT_URL", raising=False)
    return TemplateRoot(Clients(settings.load(target="local", home=tmp_path / "home")))


def test_without_the_stack_the_listing_comes_from_the_files(stack_down: TemplateRoot) -> None:
    listing = service.list_templates(stack_down.template_deps)

    assert (
        listing.unchecked == "config table and SES not checked: the embedded stack is not running"
    )
    assert {row["name"] for row in listing.rows} >= {"newsletter", "mfa_code"}


def test_without_the_stack_a_push_says_so(stack_down: TemplateRoot) -> None:
    with pytest.raises(StackNotRunning, match="not running"):
        service.push(stack_down.template_deps, "newsletter")


def test_the_use_cases_push_to_the_stores_the_renderer_reads(tmp_path: Path) -> None:
    root = TemplateRoot(Clients(settings.load(target="local", home=tmp_path / "home")))

    assert root.template_deps.versions is root.store.config
    assert root.template_deps.stage == root.settings.stage
