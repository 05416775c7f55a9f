"""Templates on disk: templates/messages/<name>/ for each template's parts, and the design
system (layout, partials, assets) every email template is placed into. The config table's
versions (rendering/adapters/config_store.py) are layered over them (rendering/layered.py)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tctfmsg.core.errors import InvalidInput, NotFound

PARTS = ("subject", "html", "text", "sms")
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class TemplateSource:
    """One template's own parts. `html`/`text` are bodies placed into the shared layout."""

    name: str
    subject: str = ""
    html: str = ""
    text: str = ""
    sms: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)
    version: str = "files"  # "files", or "v<n>" for a config-table version
    origin: str = "files"

    @property
    def has_email(self) -> bool:
        return bool(self.html)


@dataclass(frozen=True)
class DesignSystem:
    """The shared layout and partials every email template is placed into."""

    layout_html: str
    layout_text: str
    partials: dict[str, str]
    assets_dir: Path


class TemplateStore(Protocol):
    def get(self, name: str) -> TemplateSource: ...

    def names(self) -> list[str]: ...


class FileTemplateStore:
    """templates/messages/<name>/{subject,html,text,sms}.mustache, slots.toml, sample.json."""

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        self.root = root
        self._cache: dict[str, TemplateSource] = {}

    @property
    def messages(self) -> Path:
        return self.root / "messages"

    def names(self) -> list[str]:
        if not self.messages.is_dir():
            return []
        return sorted(p.name for p in self.messages.iterdir() if p.is_dir())

    def exists(self, name: str) -> bool:
        return (self.messages / name).is_dir()

    def get(self, name: str) -> TemplateSource:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def _read(self, name: str) -> TemplateSource:
        folder = self.messages / name
        if not folder.is_dir():
            raise NotFound(
                f"no template named {name!r}", "see `tctfmsg template list` for the names"
            )
        parts = {p: _read_text(folder / f"{p}.mustache") for p in PARTS}
        slots_file, sample_file = folder / "slots.toml", folder / "sample.json"
        try:
            slots = tomllib.loads(slots_file.read_text()) if slots_file.exists() else {}
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{slots_file} is not valid TOML: {exc}") from None
        try:
            sample = json.loads(sample_file.read_text()) if sample_file.exists() else {}
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{sample_file} is not valid JSON: {exc}") from None
        return TemplateSource(
            name=name,
            subject=(parts["subject"] or "").strip(),
            html=parts["html"] or "",
            text=parts["text"] or "",
            sms=parts["sms"].strip() if parts["sms"] else None,
            slots={k: str(v) for k, v in slots.items()},
            sample=sample,
        )

    def design(self) -> DesignSystem:
        layout = self.root / "layout"
        partials = {
            p.name.removesuffix(".mustache"): p.read_text()
            for p in sorted((self.root / "partials").glob("*.mustache"))
        }
        return DesignSystem(
            layout_html=(layout / "html.mustache").read_text(),
            layout_text=(layout / "text.mustache").read_text(),
            partials=partials,
            assets_dir=self.root / "assets",
        )


def _read_text(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
