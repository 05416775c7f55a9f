"""Everything `tctfmsg template validate` checks, and the registry checks run at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from tctfmsg.core.errors import TctfmsgError
from tctfmsg.rendering import engine, formats
from tctfmsg.rendering.accessibility import accessibility_problems
from tctfmsg.rendering.formats import CURRENCY_VARIABLE
from tctfmsg.rendering.language import DEFAULT_LOCALE
from tctfmsg.rendering.registry import (
    REGISTRY_FILE,
    Registry,
    RegistryEntry,
    RegistryError,
    parse_registry,
    with_subjects,
)
from tctfmsg.rendering.renderer import (
    MissingVariables,
    Trees,
    build_trees,
    compile_template,
    missing_variables,
)
from tctfmsg.rendering.store import DesignSystem, FileTemplateStore, TemplateSource
from tctfmsg.rendering.variants import catalog_problems, locale_problems

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail cuts the HTML after this and shows "[Message clipped]"
SMS_SEGMENT_CHARS = 160
VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)


def registry_problems(registry: Registry, store: FileTemplateStore) -> list[str]:
    """Entries naming missing templates, and templates using variables nobody declared."""
    problems: list[str] = []
    design = store.design()
    seen: dict[str, RegistryEntry] = {}
    for entry in registry.values():
        where = f"{registry.path.name} [types.{entry.type}]"
        if not store.exists(entry.template):
            problems.append(
                f"{where} names template {entry.template!r}, which does not exist "
                f"in {store.messages}"
            )
            continue
        first = seen.setdefault(entry.template, entry)
        if first.variables != entry.variables or first.required != entry.required:
            problems.append(
                f"{where} and [types.{first.type}] share template {entry.template!r} "
                "but declare different variables"
            )
        try:
            source = store.get(entry.template)
            trees = build_trees(source, entry, design, registry.globals)
        except TctfmsgError as exc:
            problems.append(f"template {entry.template!r}: {exc}")
            continue
        problems += variable_problems(entry, trees, where)
        problems += channel_problems(entry, source, where)
    return problems


def variable_problems(entry: RegistryEntry, trees: Trees, where: str) -> list[str]:
    declared = entry.variables
    problems = []
    used: set[str] = set()
    for part, nodes in _parts(trees):
        found = engine.usage(nodes)
        used |= found.names()
        undeclared = set(found.top_level) - declared
        undeclared |= {
            name
            for path, name in found.nested
            if name not in declared and not any(s in declared for s in path)
        }
        for name in sorted(undeclared):
            problems.append(
                f"template {entry.template!r} uses {{{{{name}}}}} in its {part} part, "
                f"which {where} does not declare"
            )
    if "currency" in entry.formats.values():
        used.add(CURRENCY_VARIABLE)  # read by the formatter, not the template
    for name in entry.required:
        if name not in used:
            problems.append(
                f"{where} requires {name!r}, which template {entry.template!r} never uses"
            )
    return problems


def channel_problems(entry: RegistryEntry, source: TemplateSource, where: str) -> list[str]:
    problems = []
    if "email" in entry.channels and not source.html:
        problems.append(f"{where} allows email but template {entry.template!r} has no html part")
    if "email" in entry.channels and (not source.text.strip() or not source.subject):
        problems.append(
            f"{where} allows email but template {entry.template!r} lacks a subject or text part"
        )
    if "sms" in entry.channels and source.sms is None:
        problems.append(f"{where} allows sms but template {entry.template!r} has no sms part")
    return problems


def _parts(trees: Trees) -> list[tuple[str, list[engine.Node]]]:
    parts = [("subject", trees.subject), ("html", trees.html), ("text", trees.text)]
    if trees.sms is not None:
        parts.append(("sms", trees.sms))
    return parts


def validate_template(
    name: str,
    registry: Registry,
    store: FileTemplateStore,
    constants: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per problem with the template, in every locale it has; empty when it is fit to
    send. A locale's problems are named `name [locale]`."""
    entry = registry.for_template(name)
    where = f"{registry.path.name} [types.{entry.type}]"
    try:
        source = store.get(name)
        design = store.design()
    except TctfmsgError as exc:
        return [f"{name}: {exc}"]
    problems = channel_problems(entry, source, where)
    problems += locale_problems(entry, source.locales, f"{name}")
    problems += catalog_problems(source.strings, f"{name} strings.toml")
    merged = {**registry.globals, **(constants or {})}
    baseline: set[str] | None = None
    for locale in source.locales:
        found, used = _variant_problems(name, entry, source, design, merged, locale, where)
        problems += [p for p in found if p not in problems]
        required = used & set(entry.required)
        if baseline is None:
            baseline = required
        elif required != baseline:
            lost = ", ".join(sorted(baseline ^ required))
            problems.append(f"{name} [{locale}] differs from [{DEFAULT_LOCALE}] in using {lost}")
    return problems


def _variant_problems(
    name: str,
    entry: RegistryEntry,
    source: TemplateSource,
    design: DesignSystem,
    constants: Mapping[str, str],
    locale: str,
    where: str,
) -> tuple[list[str], set[str]]:
    from tctfmsg.rendering.ses import handlebars_problems

    label = name if locale == DEFAULT_LOCALE else f"{name} [{locale}]"
    try:
        compiled = compile_template(source, entry, design, constants, locale)
    except TctfmsgError as exc:
        return [f"{label}: {exc}"], set()
    problems = variable_problems(entry, compiled.trees, where)
    used = {n for _, nodes in _parts(compiled.trees) for n in engine.usage(nodes).names()}
    missing = missing_variables(entry, source.sample)
    if missing:
        problems.append(f"{name}: {MissingVariables(name, missing).message} of sample.json")
        return problems, used
    try:
        scopes = [formats.apply(entry.formats, source.sample, locale)]
    except TctfmsgError as exc:
        return [*problems, f"{name}: sample.json: {exc.message}"], used
    if source.html:
        html = compiled.html(scopes)
        problems += [f"{label}: html part {p}" for p in html_problems(html)]
        problems += [f"{label}: {p}" for p in accessibility_problems(html)]
        size = len(html.encode())
        if size > GMAIL_CLIP_BYTES:
            problems.append(
                f"{label}: html renders to {size / 1024:.0f} KB, over Gmail's 102 KB clipping limit"
            )
        if not compiled.subject(scopes).strip():
            problems.append(f"{label}: the subject renders empty with sample.json")
    if compiled.sms is not None:
        sms = compiled.sms(scopes).strip()
        if len(sms) > SMS_SEGMENT_CHARS:
            problems.append(
                f"{label}: sms renders to {len(sms)} characters, over one "
                f"{SMS_SEGMENT_CHARS}-character segment"
            )
    if entry.category == "campaign":
        problems += [
            f"{label}: not hostable in SES: {p}" for p in handlebars_problems(compiled.trees, entry)
        ]
    return problems, used


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, int]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <img/>, and VML's self-closed elements

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in VOID_ELEMENTS:
            return
        if not self.open:
            self.problems.append(f"line {line}: </{tag}> closes nothing")
        elif self.open[-1][0] != tag:
            expected, opened = self.open[-1]
            self.problems.append(
                f"line {line}: </{tag}> where </{expected}> (opened line {opened}) was expected"
            )
            if any(t == tag for t, _ in self.open):
                while self.open and self.open[-1][0] != tag:
                    self.open.pop()
                self.open.pop()
        else:
            self.open.pop()


def html_problems(html: str) -> list[str]:
    """Tags that are not closed, or closed out of order; the first five."""
    checker = _Balance()
    checker.feed(html)
    checker.close()
    problems = checker.problems
    problems += [f"line {line}: <{tag}> is never closed" for tag, line in checker.open]
    if not html.lstrip().lower().startswith("<!doctype html"):
        problems.insert(0, "does not start with <!DOCTYPE html>")
    return problems[:5]


def load_registry(root: Path | None = None) -> Registry:
    """The checked registry: every template exists and declares exactly what it uses.

    Raises RegistryError naming the entry and the template at the first disagreement.
    """
    from tctfmsg.rendering.store import TEMPLATES_DIR

    return _load_checked((root or TEMPLATES_DIR).resolve())


@lru_cache(maxsize=4)
def _load_checked(root: Path) -> Registry:
    from tctfmsg.rendering.store import FileTemplateStore

    registry, problems = parse_registry(root / REGISTRY_FILE)
    store = FileTemplateStore(root)
    problems += registry_problems(registry, store)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RegistryError(problems[0] + more, "run `tctfmsg template validate` for all")
    return with_subjects(registry, store)
