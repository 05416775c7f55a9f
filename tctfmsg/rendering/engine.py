"""Mustache templates compiled once: chevron's tokenizer, a render tree, and closures.

chevron re-tokenizes its template string on every `render` call and escapes neither `'` nor
anything it cannot see; for 10,000 recipients of one newsletter that is 10,000 parses of the
same 30 KB. Here a template is tokenized by chevron once, partials and constants are inlined,
adjacent literals merged, and what is left renders with chevron's lookup rules
(docs/decisions/0050-templates.md).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chevron.tokenizer import ChevronError, tokenize

from tctfmsg.core.errors import InvalidInput

Token = tuple[str, str]
Scopes = list[Any]
Emit = Callable[[Scopes, list[str]], None]

MAX_PARTIAL_DEPTH = 8


class TemplateSyntaxError(InvalidInput):
    """A template does not parse, or names a partial that does not exist."""


def escape_html(value: str) -> str:
    """Escapes & < > " and ' (chevron leaves ' alone, which breaks single-quoted attributes)."""
    return html.escape(value, quote=True)


def tokens_of(source: str, where: str) -> list[Token]:
    try:
        return list(tokenize(source))
    except ChevronError as exc:
        message = " ".join(str(exc).split())
        raise TemplateSyntaxError(f"{where} does not parse: {message}") from None


# --- the render tree -----------------------------------------------------------------------


@dataclass
class Var:
    key: str
    escape: bool


@dataclass
class Section:
    key: str
    inverted: bool
    children: list[Node] = field(default_factory=list)


Node = str | Var | Section


def build_tree(
    tokens: Sequence[Token],
    partials: Mapping[str, Sequence[Token]],
    where: str,
    constants: Mapping[str, str] | None = None,
    escape_variables: bool = True,
) -> list[Node]:
    """Nodes with partials inlined, constants substituted and adjacent literals merged.

    `escape_variables=False` is for the subject, the plain-text part and SMS, which are not HTML.
    """
    root: list[Node] = []
    _build(tokens, partials, where, constants or {}, escape_variables, root, "", 0)
    return _merge(root)


def _build(
    tokens: Iterable[Token],
    partials: Mapping[str, Sequence[Token]],
    where: str,
    constants: Mapping[str, str],
    escape: bool,
    into: list[Node],
    padding: str,
    depth: int,
) -> None:
    stack: list[list[Node]] = [into]
    for kind, key in tokens:
        out = stack[-1]
        if kind == "literal":
            out.append(key.replace("\n", "\n" + padding) if padding else key)
        elif kind in ("variable", "no escape"):
            escaped = escape and kind == "variable"
            if key in constants:
                out.append(escape_html(constants[key]) if escaped else constants[key])
            else:
                out.append(Var(key, escaped))
        elif kind in ("section", "inverted section"):
            section = Section(key, kind == "inverted section")
            out.append(section)
            stack.append(section.children)
        elif kind == "end":
            stack.pop()
        elif kind == "partial":
            if key not in partials:
                raise TemplateSyntaxError(f"{where} uses partial {key!r}, which does not exist")
            if depth >= MAX_PARTIAL_DEPTH:
                raise TemplateSyntaxError(f"{where}: partials nest too deep at {key!r}")
            # chevron indents every line of a standalone partial by the tag's indentation
            left = _line_tail(out)
            indent = left if left and left.isspace() else ""
            inner: list[Node] = []
            _build(
                partials[key],
                partials,
                where,
                constants,
                escape,
                inner,
                padding + indent,
                depth + 1,
            )
            if indent and inner and isinstance(inner[-1], str):
                inner[-1] = inner[-1].rstrip(" \t")
            out.extend(inner)
        # comments never reach here; set-delimiter tokens only steer the tokenizer


def _line_tail(nodes: list[Node]) -> str | None:
    if not nodes or not isinstance(nodes[-1], str):
        return None
    return nodes[-1].rpartition("\n")[2]


def _merge(nodes: list[Node]) -> list[Node]:
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, Section):
            node.children = _merge(node.children)
        if isinstance(node, str) and merged and isinstance(merged[-1], str):
            merged[-1] += node
        elif node != "":
            merged.append(node)
    return merged


# --- what a template uses -----------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Names a template reads: at the top level, and inside sections with their section path."""

    top_level: frozenset[str]
    nested: tuple[tuple[tuple[str, ...], str], ...]  # (enclosing sections, name)

    def names(self) -> set[str]:
        return set(self.top_level) | {name for _, name in self.nested}


def usage(nodes: Sequence[Node]) -> Usage:
    top: set[str] = set()
    nested: list[tuple[tuple[str, ...], str]] = []
    for path, node in walk(nodes):
        key = node.key
        if key == ".":
            continue
        head = key.split(".", 1)[0]
        if path:
            nested.append((path, head))
        else:
            top.add(head)
    return Usage(frozenset(top), tuple(nested))


def walk(
    nodes: Sequence[Node], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Var | Section]]:
    """Every variable and section, with the keys of the non-inverted sections around it."""
    for node in nodes:
        if isinstance(node, Var):
            yield path, node
        elif isinstance(node, Section):
            yield path, node
            inner = path if node.inverted else (*path, node.key.split(".", 1)[0])
            yield from walk(node.children, inner)


# --- rendering ------------------------------------------------------------------------------


class _Missing:
    pass


_MISSING = _Missing()


def lookup(key: str, scopes: Scopes) -> Any:
    """chevron's rules: innermost scope first, dotted names, 0 and False kept, other falsy → ''."""
    if key == ".":
        return scopes[0]
    parts = key.split(".")
    for scope in scopes:
        value = _resolve(scope, parts)
        if value is _MISSING:
            continue
        if value is None:
            return ""
        if value in (0, False) and not isinstance(value, str):
            return value
        return value or ""
    return ""


def _resolve(scope: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(scope, Mapping):
            if part not in scope:
                return _MISSING
            scope = scope[part]
        elif isinstance(scope, Sequence) and not isinstance(scope, str) and part.isdigit():
            if int(part) >= len(scope):
                return _MISSING
            scope = scope[int(part)]
        else:
            scope = getattr(scope, part, _MISSING)
            if scope is _MISSING:
                return _MISSING
    return scope


def compile_nodes(nodes: Sequence[Node]) -> Callable[[Scopes], str]:
    emits = [_emitter(node) for node in nodes]

    def render(scopes: Scopes) -> str:
        out: list[str] = []
        for emit in emits:
            emit(scopes, out)
        return "".join(out)

    return render


def _emitter(node: Node) -> Emit:
    if isinstance(node, str):
        text = node

        def literal(_: Scopes, out: list[str]) -> None:
            out.append(text)

        return literal
    if isinstance(node, Var):
        return _var_emitter(node)
    return _section_emitter(node)


def _var_emitter(node: Var) -> Emit:
    key, escape = node.key, node.escape
    simple = key != "." and "." not in key

    def variable(scopes: Scopes, out: list[str]) -> None:
        if simple and len(scopes) == 1:
            # fast path for the common case: a top-level name in a flat mapping
            scope = scopes[0]
            value = scope.get(key) if isinstance(scope, dict) else lookup(key, scopes)
            if value is None or (not value and value not in (0, False)):
                return
        else:
            value = lookup(key, scopes)
        text = value if isinstance(value, str) else str(value)
        out.append(escape_html(text) if escape else text)

    return variable


def _section_emitter(node: Section) -> Emit:
    key = node.key
    children = [_emitter(child) for child in node.children]

    def run(scopes: Scopes, out: list[str]) -> None:
        for emit in children:
            emit(scopes, out)

    if node.inverted:

        def inverted(scopes: Scopes, out: list[str]) -> None:
            if not lookup(key, scopes):
                run(scopes, out)

        return inverted

    def section(scopes: Scopes, out: list[str]) -> None:
        value = lookup(key, scopes)
        if not value:
            return
        if isinstance(value, Sequence | Iterator) and not isinstance(value, str):
            for item in value:
                run([item, *scopes], out)
        else:
            run([value, *scopes], out)

    return section


# --- back to Mustache text ------------------------------------------------------------------


def to_mustache(nodes: Sequence[Node], raw_variables: bool = False) -> str:
    """Template text for the tree: partials and constants already inlined, comments gone.

    `raw_variables` writes every variable triple-stashed, for parts that are not HTML.
    """
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, Var):
            raw = raw_variables or not node.escape
            parts.append(f"{{{{{{{node.key}}}}}}}" if raw else f"{{{{{node.key}}}}}")
        else:
            sigil = "^" if node.inverted else "#"
            parts.append(f"{{{{{sigil}{node.key}}}}}")
            parts.append(to_mustache(node.children, raw_variables))
            parts.append(f"{{{{/{node.key}}}}}")
    return "".join(parts)
