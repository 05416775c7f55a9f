"""The renderer every door and worker uses: compile once per process, check, render."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tctfmsg.core.errors import InvalidInput, NotFound
from tctfmsg.rendering import engine, formats, language
from tctfmsg.rendering.engine import Node, Token
from tctfmsg.rendering.registry import Registry, RegistryEntry
from tctfmsg.rendering.store import DesignSystem, TemplateSource, TemplateStore

# Per-template snippets the design system reads as partials (templates/messages/*/slots.toml).
SLOTS = ("preheader", "illustration_file", "illustration_alt", "button_label", "button_url")


class MissingVariables(InvalidInput):
    """Data lacks a variable the registry says the template requires."""

    def __init__(self, template: str, missing: list[str]) -> None:
        plural = "s" if len(missing) > 1 else ""
        super().__init__(
            f"template {template!r} needs variable{plural} {', '.join(missing)}, "
            "missing or empty in the data",
            "add it to the data; `tctfmsg template list` shows what each template needs",
        )
        self.template = template
        self.missing = tuple(missing)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Trees:
    """A template's parts after partials and constants are inlined: what checks and SES read."""

    subject: list[Node]
    html: list[Node]
    text: list[Node]
    sms: list[Node] | None


@dataclass(frozen=True)
class CompiledTemplate:
    source: TemplateSource
    entry: RegistryEntry
    trees: Trees
    subject: Callable[[list[Any]], str]
    html: Callable[[list[Any]], str]
    text: Callable[[list[Any]], str]
    sms: Callable[[list[Any]], str] | None
    locale: str = language.DEFAULT_LOCALE  # the variant compiled, after the fallback chain


def compile_template(
    source: TemplateSource,
    entry: RegistryEntry,
    design: DesignSystem,
    constants: Mapping[str, str],
    locale: str | None = None,
) -> CompiledTemplate:
    """The template in `locale`, or the nearest it has (`pt-BR` → `pt` → its default)."""
    resolved = language.resolve(source.locales, locale)
    trees = build_trees(source, entry, design, constants, resolved)
    return CompiledTemplate(
        locale=resolved,
        source=source,
        entry=entry,
        trees=trees,
        subject=engine.compile_nodes(trees.subject),
        html=engine.compile_nodes(trees.html),
        text=engine.compile_nodes(trees.text),
        sms=engine.compile_nodes(trees.sms) if trees.sms is not None else None,
    )


def build_trees(
    source: TemplateSource,
    entry: RegistryEntry,
    design: DesignSystem,
    constants: Mapping[str, str],
    locale: str | None = None,
) -> Trees:
    name = source.name
    resolved = language.resolve(source.locales, locale)
    partials = {k: engine.tokens_of(v, f"partial {k!r}") for k, v in design.partials.items()}
    clash = set(SLOTS) & set(partials)
    if clash:
        raise engine.TemplateSyntaxError(f"partials {', '.join(sorted(clash))} clash with slots")
    for slot in SLOTS:
        partials[slot] = engine.tokens_of(source.slots.get(slot, ""), f"{name} slot {slot!r}")
    unknown = set(source.slots) - set(SLOTS)
    if unknown:
        raise engine.TemplateSyntaxError(
            f"{name}: unknown slot(s) {', '.join(sorted(unknown))} in slots.toml",
            f"the design system reads {', '.join(SLOTS)}",
        )
    partials["subject"] = engine.tokens_of(source.subject, f"{name} subject part")
    note, note_text = f"footer_note_{entry.category}", f"footer_note_text_{entry.category}"
    for alias, target in (("footer_note", note), ("footer_note_text", note_text)):
        if target in partials:
            partials[alias] = partials[target]

    plain = {**partials, **catalog_partials(source, design, resolved, name)}
    escaped = {**partials, **catalog_partials(source, design, resolved, name, escape=True)}

    def tree(text: str, part: str, layout: str | None, escape: bool) -> list[Node]:
        body = engine.tokens_of(text, f"{name} {part} part")
        bound = escaped if escape else plain
        if layout is None:
            return engine.build_tree(body, bound, f"{name} {part} part", constants, escape)
        scoped = {**bound, "content": body}
        tokens = engine.tokens_of(layout, f"{part} layout")
        return engine.build_tree(tokens, scoped, f"{name} {part} part", constants, escape)

    return Trees(
        subject=tree(source.subject, "subject", None, escape=False),
        html=tree(source.html, "html", design.layout_html, escape=True) if source.html else [],
        text=tree(source.text, "text", design.layout_text, escape=False) if source.html else [],
        sms=tree(source.sms, "sms", None, escape=False) if source.sms is not None else None,
    )


def catalog_partials(
    source: TemplateSource,
    design: DesignSystem,
    locale: str,
    name: str,
    escape: bool = False,
) -> dict[str, list[Token]]:
    """The locale's words as partials `t.<key>` (the template's over the layout's), and `lang`,
    `dir`, `start`, `end` for the layout's attributes and the side text starts on. Catalog text
    is plain text: in the HTML part its literals are escaped like a variable's value."""
    shared = design.strings.get(locale) or design.strings.get(language.DEFAULT_LOCALE, {})
    words = {**shared, **source.strings.get(locale, {})}
    rtl = language.direction(locale) == "rtl"
    layout = {
        "lang": locale,
        "dir": "rtl" if rtl else "ltr",
        "start": "right" if rtl else "left",
        "end": "left" if rtl else "right",
    }
    bound: dict[str, list[Token]] = {k: [("literal", v)] for k, v in layout.items()}
    for key, text in words.items():
        tokens = engine.tokens_of(text, f"{name} string {key!r} [{locale}]")
        if escape:
            tokens = [(k, engine.escape_html(v) if k == "literal" else v) for k, v in tokens]
        bound[f"t.{key}"] = tokens
    return bound


def missing_variables(entry: RegistryEntry, data: Mapping[str, Any]) -> list[str]:
    """Required names that are absent, None, or blank: they would render an empty greeting."""
    missing = []
    for name in entry.required:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


class Renderer:
    """Renders templates by name. Thread-safe; compiled templates are cached per version."""

    def __init__(
        self,
        store: TemplateStore,
        registry: Registry,
        design: DesignSystem,
        constants: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.design = design
        self.constants = {**registry.globals, **(constants or {})}
        self._compiled: dict[tuple[str, str, str], CompiledTemplate] = {}
        self._lock = threading.Lock()

    def locales(self, template: str) -> tuple[str, ...]:
        """The locales the template has, its default first."""
        return self.store.get(template).locales

    def compiled(self, template: str, locale: str | None = None) -> CompiledTemplate:
        entry = self.registry.for_template(template)
        source = self.store.get(template)
        resolved = language.resolve(source.locales, locale)
        key = (template, source.version, resolved)
        found = self._compiled.get(key)
        if found is None:
            found = compile_template(source, entry, self.design, self.constants, resolved)
            with self._lock:
                self._compiled[key] = found
        return found

    def check(
        self, template: str, data: Mapping[str, Any], locale: str | None = None
    ) -> CompiledTemplate:
        """The compiled variant, once the data has every required variable and every formatted
        one has the shape its format needs."""
        return self._prepared(template, data, locale)[0]

    def _prepared(
        self, template: str, data: Mapping[str, Any], locale: str | None
    ) -> tuple[CompiledTemplate, list[Any]]:
        compiled = self.compiled(template, locale)
        missing = missing_variables(compiled.entry, data)
        if missing:
            raise MissingVariables(template, missing)
        return compiled, [formats.apply(compiled.entry.formats, data, compiled.locale)]

    def render(
        self, template: str, data: Mapping[str, Any], locale: str | None = None
    ) -> RenderedEmail:
        """The email in `locale` (fallback `pt-BR` → `pt` → the template's default)."""
        compiled, scopes = self._prepared(template, data, locale)
        if not compiled.source.has_email:
            raise NotFound(f"template {template!r} has no email part", "it renders as SMS only")
        return RenderedEmail(
            subject=compiled.subject(scopes).strip(),
            html=compiled.html(scopes),
            text=compiled.text(scopes),
        )

    def render_sms(self, template: str, data: Mapping[str, Any], locale: str | None = None) -> str:
        compiled, scopes = self._prepared(template, data, locale)
        if compiled.sms is None:
            raise NotFound(
                f"template {template!r} has no SMS part",
                f"add templates/messages/{template}/sms.mustache",
            )
        return compiled.sms(scopes).strip()
