"""Hand-written stand-ins for the rendering ports: the config table, SES and Chromium."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tctfmsg.core.errors import StackNotRunning
from tctfmsg.rendering.ports import HostedTemplates, Screenshotter, TemplateVersions
from tctfmsg.rendering.service import TemplateDeps
from tctfmsg.rendering.ses import SesTemplate
from tctfmsg.rendering.store import FileTemplateStore, TemplateSource


class MemoryVersions:
    def __init__(self) -> None:
        self.versions: dict[str, list[TemplateSource]] = {}

    def latest(self, name: str) -> TemplateSource | None:
        found = self.versions.get(name)
        return found[-1] if found else None

    def names(self) -> list[str]:
        return sorted(self.versions)

    def put(self, source: TemplateSource) -> int:
        stored = self.versions.setdefault(source.name, [])
        version = len(stored) + 1
        stored.append(replace(source, version=f"v{version}", origin="config table"))
        return version


class MemoryHosted:
    def __init__(self) -> None:
        self.templates: dict[str, SesTemplate] = {}

    def publish(self, template: SesTemplate) -> str:
        outcome = "updated" if template.name in self.templates else "created"
        self.templates[template.name] = template
        return outcome

    def names(self) -> set[str]:
        return set(self.templates)


def _down() -> StackNotRunning:
    return StackNotRunning("the embedded stack is not running", "start it with `tctfmsg local up`")


class VersionsDown:
    """The config table when the embedded stack is not running."""

    def latest(self, name: str) -> TemplateSource | None:
        raise _down()

    def names(self) -> list[str]:
        raise _down()

    def put(self, source: TemplateSource) -> int:
        raise _down()


class HostedDown:
    """SES when the embedded stack is not running."""

    def publish(self, template: SesTemplate) -> str:
        raise _down()

    def names(self) -> set[str]:
        raise _down()


class FakeScreenshots:
    """Writes a stand-in PNG and says the page was 1234 px tall."""

    def __init__(self) -> None:
        self.taken: list[tuple[str, Path, int]] = []

    def screenshot(self, html: str, out: Path, width: int) -> int:
        self.taken.append((html, out, width))
        out.write_bytes(b"\x89PNG stand-in")
        return 1234


def template_deps(
    files: FileTemplateStore,
    versions: TemplateVersions | None = None,
    hosted: HostedTemplates | None = None,
    screenshots: Screenshotter | None = None,
    stage: str = "test",
) -> TemplateDeps:
    return TemplateDeps(
        files,
        versions or MemoryVersions(),
        hosted or MemoryHosted(),
        screenshots or FakeScreenshots(),
        stage,
    )
