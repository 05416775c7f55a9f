"""Everything `tctfmsg template validate` checks, and the registry checks run at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from tctfmsg.core.errors import TctfmsgError
from tctfmsg.rendering import engine
from tctfmsg.rendering.formats import CURRENCY_VARIABLE
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
from tctfmsg.rendering.store import FileTemplateStore, TemplateSource

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
    """One line per problem with the template; empty when it is fit to send."""
    from tctfmsg.rendering.ses import handlebars_problems

    entry = registry.for_template(name)
    where = f"{registry.path.name} [types.{entry.type}]"
    try:
        source = store.get(name)
        compiled = compile_template(
            source, entry, store.design(), {**registry.globals, **(constants or {})}
        )
    except TctfmsgError as exc:
        return [f"{name}: {exc}"]
    problems = variable_problems(entry, compiled.trees, where)
    problems += channel_problems(entry, source, where)
    missing = missing_variables(entry, source.sample)
    if missing:
        problems.append(f"{name}: {MissingVariables(name, missing).message} of sample.json")
        return problems
    scopes = [source.sample]
    if source.html:
        html = compiled.html(scopes)
        problems += [f"{name}: html part {p}" for p in html_problems(html)]
        size = len(html.encode())
        if size > GMAIL_CLIP_BYTES:
            problems.append(
                f"{name}: html renders to {size / 1024:.0f} KB, over Gmail's 102 KB clipping limit"
            )
        if not compiled.subject(scopes).strip():
            problems.append(f"{name}: the subject renders empty with sample.json")
    if compiled.sms is not None:
        sms = compiled.sms(scopes).strip()
        if len(sms) > SMS_SEGMENT_CHARS:
            problems.append(
                f"{name}: sms renders to {len(sms)} characters, over one "
                f"{SMS_SEGMENT_CHARS}-character segment"
            )
    if entry.category == "campaign":
        problems += [
            f"{name}: not hostable in SES: {p}" for p in handlebars_problems(compiled.trees, entry)
        ]
    return problems


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
