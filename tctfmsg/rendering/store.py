"""Templates on disk: templates/messages/<name>/ for each template's parts, and the design
system (layout, partials, assets) every email template is placed into. The config table's
versions (rendering/adapters/config_store.py) are layered over them (rendering/layered.py)."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tctfmsg.core.errors import InvalidInput, NotFound
from tctfmsg.rendering.language import DEFAULT_LOCALE, canonical, ordered

PARTS = ("subject", "html", "text", "sms")
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
STRINGS_FILE = "strings.toml"  # message catalogs: one [locale] table of key = "Mustache text"
MAX_STRING = 2000
Catalogs = dict[str, dict[str, str]]  # locale → key → text
CATALOG_TAG = re.compile(r"\{\{>\s*t\.([A-Za-z0-9_]+)\s*\}\}")


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
    # the template's message catalogs, bound as partials `t.<key>`; none: one language only
    strings: Catalogs = field(default_factory=dict)
    version: str = "files"  # "files", or "v<n>" for a config-table version
    origin: str = "files"

    @property
    def has_email(self) -> bool:
        return bool(self.html)

    @property
    def default_subject(self) -> str:
        """The subject line in the default locale, its words in place of `{{> t.<key>}}`."""
        words = self.strings.get(DEFAULT_LOCALE, {})
        return CATALOG_TAG.sub(lambda m: words.get(m.group(1), m.group(0)), self.subject)

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales it can be rendered in, the default first."""
        return ordered(list(self.strings)) if self.strings else (DEFAULT_LOCALE,)


@dataclass(frozen=True)
class DesignSystem:
    """The shared layout and partials every email template is placed into."""

    layout_html: str
    layout_text: str
    partials: dict[str, str]
    assets_dir: Path
    strings: Catalogs = field(default_factory=dict)  # the layout's own words, per locale


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
            strings=read_catalogs(folder / STRINGS_FILE),
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
            strings=read_catalogs(self.root / STRINGS_FILE),
        )


def locales(name: str, store: TemplateStore | None = None) -> tuple[str, ...]:
    """The locales template `name` can be rendered in, its default first; a template without a
    catalog (strings.toml) has its default only. Reads the shipped files unless given a store."""
    return (store or FileTemplateStore()).get(name).locales


def read_catalogs(path: Path) -> Catalogs:
    """strings.toml: a table per locale tag, each key a Mustache snippet of plain text."""
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path} is not valid TOML: {exc}") from None
    return parse_catalogs(raw, str(path))


def parse_catalogs(raw: object, where: str) -> Catalogs:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: catalogs must be a table of locales")
    catalogs: Catalogs = {}
    for tag, table in raw.items():
        try:
            locale = canonical(tag)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}", exc.hint) from None
        if locale != tag:
            raise InvalidInput(f"{where}: write locale {tag!r} as {locale!r}")
        if not isinstance(table, dict) or not all(
            isinstance(v, str) and len(v) <= MAX_STRING for v in table.values()
        ):
            raise InvalidInput(
                f"{where} [{tag}]: every entry must be text of at most {MAX_STRING} characters"
            )
        catalogs[locale] = dict(table)
    if catalogs and DEFAULT_LOCALE not in catalogs:
        raise InvalidInput(f"{where}: no [{DEFAULT_LOCALE}] table, which every locale follows")
    return catalogs


def _read_text(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
