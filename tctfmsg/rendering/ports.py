"""What the template use cases need from the world, by role: the adapters under
rendering/adapters/ speak DynamoDB, SES and Chromium; tests hand in fakes."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from tctfmsg.rendering.ses import SesTemplate
from tctfmsg.rendering.store import TemplateSource


class TemplateVersions(Protocol):
    """Runtime-editable templates, each push a new numbered version, the newest in use."""

    def latest(self, name: str) -> TemplateSource | None: ...

    def names(self) -> list[str]: ...

    def put(self, source: TemplateSource) -> int:
        """Stores the parts as a new version and returns its number."""
        ...


class HostedTemplates(Protocol):
    """Templates a provider stores and renders itself (SES)."""

    def publish(self, template: SesTemplate) -> str:
        """Creates or updates the template; returns "created" or "updated"."""
        ...

    def names(self) -> set[str]: ...


class Screenshotter(Protocol):
    def screenshot(self, html: str, out: Path, width: int) -> int:
        """Writes a PNG of the page `width` CSS pixels wide; returns its height."""
        ...
