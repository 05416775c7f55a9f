"""The registry: notification type → template, category, channels, variables, criticality.

It lives in templates/registry.toml, is loaded and checked once per process, and is the only
place a template's variables are declared.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tctfmsg.core.errors import ConfigurationError, NotFound

if TYPE_CHECKING:
    from tctfmsg.rendering.store import FileTemplateStore

Category = Literal["transactional", "campaign"]
CATEGORIES: tuple[Category, ...] = ("transactional", "campaign")
CHANNELS = ("email", "sms", "whatsapp", "push", "websocket")
REGISTRY_FILE = "registry.toml"


class RegistryError(ConfigurationError):
    """The registry and the templates disagree, or the registry file is malformed."""


@dataclass(frozen=True)
class RegistryEntry:
    type: str
    template: str
    category: Category
    channels: tuple[str, ...]
    default_channel: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    security_critical: bool
    subject: str = ""  # the template's subject line, a Mustache template
    # The channels a notification may go on to, in this order, when the one tried first fails
    # for good or is down; empty: it is never rerouted (an MFA code goes only where it was meant).
    fallback: tuple[str, ...] = ()
    # variables formatted for the recipient's locale before rendering: name → kind (formats.py)
    formats: dict[str, str] = field(default_factory=dict)

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


@dataclass(frozen=True)
class Registry(Mapping[str, RegistryEntry]):
    entries: dict[str, RegistryEntry]
    globals: dict[str, str]  # brand constants every template may use, inlined at compile time
    path: Path

    def __getitem__(self, notification_type: str) -> RegistryEntry:
        return self.entries[notification_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, notification_type: str) -> RegistryEntry:
        if notification_type not in self.entries:
            raise NotFound(
                f"no notification type {notification_type!r} in {self.path.name}",
                f"known types: {', '.join(sorted(self.entries))}",
            )
        return self.entries[notification_type]

    def for_template(self, template: str) -> RegistryEntry:
        """The entry that declares a template's variables (the first one naming it)."""
        for entry in self.entries.values():
            if entry.template == template:
                return entry
        raise NotFound(
            f"no template named {template!r} in {self.path.name}",
            "see `tctfmsg template list` for the names",
        )

    def templates(self) -> list[str]:
        return sorted({e.template for e in self.entries.values()})


def parse_registry(path: Path) -> tuple[Registry, list[str]]:
    """The registry as written, and every problem found in the file itself."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise RegistryError(f"no registry at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path} is not valid TOML: {exc}") from None
    problems: list[str] = []
    entries: dict[str, RegistryEntry] = {}
    for type_, spec in raw.get("types", {}).items():
        where = f"{path.name} [types.{type_}]"
        template = str(spec.get("template", type_))
        category = spec.get("category")
        channels = tuple(spec.get("channels", ["email"]))
        default = spec.get("default_channel", channels[0] if channels else "email")
        if category not in CATEGORIES:
            problems.append(f"{where}: category must be one of {', '.join(CATEGORIES)}")
            category = "transactional"
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            problems.append(f"{where}: unknown channel(s) {', '.join(unknown)}")
        if default not in channels:
            problems.append(f"{where}: default_channel {default!r} is not in channels")
        fallback, fallback_problems = _fallback(spec.get("fallback", []), channels)
        problems += [f"{where}: {problem}" for problem in fallback_problems]
        formats, format_problems = _formats(spec.get("formats", {}), spec)
        problems += [f"{where}: {problem}" for problem in format_problems]
        entries[type_] = RegistryEntry(
            type=type_,
            template=template,
            category=category,
            channels=channels,
            default_channel=default,
            required=tuple(spec.get("required", ())),
            optional=tuple(spec.get("optional", ())),
            security_critical=bool(spec.get("security_critical", False)),
            fallback=fallback,
            formats=formats,
        )
        if category == "campaign" and "unsubscribe_url" not in spec.get("required", ()):
            problems.append(f"{where}: a campaign template must require unsubscribe_url")
        if category == "campaign" and entries[type_].security_critical:
            problems.append(f"{where}: a campaign cannot be security-critical")
    globals_ = {k: str(v) for k, v in raw.get("globals", {}).items()}
    return Registry(entries, globals_, path), problems


def _fallback(raw: object, channels: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        return (), ["fallback must be a list of channel names"]
    problems = []
    outside = [c for c in raw if c not in channels]
    if outside:
        problems.append(f"fallback channel(s) {', '.join(outside)} not in channels")
    if len(set(raw)) != len(raw):
        problems.append("fallback names a channel twice")
    return tuple(raw), problems


def _formats(raw: object, spec: dict[str, object]) -> tuple[dict[str, str], list[str]]:
    from tctfmsg.rendering.formats import CURRENCY_VARIABLE, KINDS

    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        return {}, ["formats must be a table of variable = kind"]
    declared = {*_names(spec.get("required")), *_names(spec.get("optional"))}
    problems = [
        f"formats: {name!r} is not a declared variable" for name in raw if name not in declared
    ]
    problems += [
        f"formats: {name} = {kind!r}; kinds are {', '.join(KINDS)}"
        for name, kind in raw.items()
        if kind not in KINDS
    ]
    if "currency" in raw.values() and CURRENCY_VARIABLE not in declared:
        problems.append(f"formats: a currency amount needs the variable {CURRENCY_VARIABLE!r}")
    return dict(raw), problems


def _names(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def with_subjects(registry: Registry, store: FileTemplateStore) -> Registry:
    """The registry with each entry's subject line read from its template."""
    entries = {
        type_: replace(entry, subject=store.get(entry.template).default_subject)
        for type_, entry in registry.entries.items()
    }
    return Registry(entries, registry.globals, registry.path)
