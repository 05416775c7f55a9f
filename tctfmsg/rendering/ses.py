"""SES-hosted templates. SES renders them with Handlebars, which agrees with Mustache only on a
subset, so a template goes to SES flattened (partials and constants inlined, comments gone) and
only when every tag in it is in that subset (docs/decisions/0050-templates.md):

- `{{name}}`, `{{a.b}}`, `{{{name}}}`, `{{#section}}`, `{{^section}}`; no `{{.}}`, no `{{&x}}`;
- names are plain identifiers and not Handlebars keywords or helpers (`if`, `each`, `this`…);
- inside `{{#section}}`, only names of the section's own items: Handlebars makes the item the
  whole context and never looks outside it, where Mustache walks up to the outer data;
- no literal `{{` in the text and no `\\` before a tag (Handlebars' escape).

Data goes through `ses_template_data`, which drops empty values: for Mustache "" and missing
are the same, for Handlebars an empty string is a truthy section.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering import engine
from tctfmsg.rendering.engine import Node, Section, Var
from tctfmsg.rendering.registry import RegistryEntry
from tctfmsg.rendering.renderer import CompiledTemplate, Trees

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
HANDLEBARS_WORDS = frozenset(
    [
        "if",
        "unless",
        "each",
        "with",
        "lookup",
        "log",
        "this",
        "else",
        "true",
        "false",
        "null",
        "undefined",
        "blockHelperMissing",
        "helperMissing",
    ]
)


class NotHostable(InvalidInput):
    """A template uses Mustache that Handlebars would render differently."""


def handlebars_problems(trees: Trees, entry: RegistryEntry) -> list[str]:
    problems: list[str] = []
    outer = set(entry.variables)
    for part, nodes in (("subject", trees.subject), ("html", trees.html), ("text", trees.text)):
        problems += [f"{part} part: {p}" for p in _problems(nodes, outer)]
    return problems


def _problems(nodes: list[Node], outer: set[str]) -> list[str]:
    problems: list[str] = []
    previous: Node | None = None
    for node in nodes:
        if isinstance(node, str) and "{{" in node:
            problems.append("literal text contains '{{', which Handlebars reads as a tag")
        if isinstance(previous, str) and previous.endswith("\\") and not isinstance(node, str):
            problems.append("a backslash before a tag is Handlebars' escape")
        previous = node
    for path, node in engine.walk(nodes):
        tag = _tag(node)
        key = node.key
        if key == ".":
            problems.append(f"{tag}: Handlebars has no '.'")
            continue
        if not IDENTIFIER.match(key) or set(key.split(".")) & HANDLEBARS_WORDS:
            problems.append(f"{tag}: not a plain name for Handlebars")
            continue
        head = key.split(".", 1)[0]
        if path and (head in outer or head in path):
            problems.append(
                f"{tag} inside {{{{#{path[-1]}}}}} reads outer data; Handlebars would look "
                f"for {head!r} in the section's own value"
            )
    return sorted(set(problems))


def _tag(node: Var | Section) -> str:
    if isinstance(node, Section):
        return f"{{{{{'^' if node.inverted else '#'}{node.key}}}}}"
    return f"{{{{{node.key}}}}}" if node.escape else f"{{{{{{{node.key}}}}}}}"


@dataclass(frozen=True)
class SesTemplate:
    name: str
    subject: str
    html: str
    text: str


def ses_template_name(stage: str, template: str, digest: str) -> str:
    """Per stage and content: a changed template is a new SES template, so a sender that
    renders version N locally always names the SES copy of version N (docs/decisions/0080)."""
    return f"tctfmsg-{stage}-{template}-{digest}"


def is_ses_name_of(name: str, stage: str, template: str) -> bool:
    prefix = f"tctfmsg-{stage}-{template}-"
    return name.startswith(prefix) and bool(_DIGEST.fullmatch(name.removeprefix(prefix)))


_DIGEST = re.compile(r"[0-9a-f]{10}")


def _digest(subject: str, html: str, text: str) -> str:
    parts = json.dumps([subject, html, text], ensure_ascii=False).encode()
    return hashlib.sha256(parts).hexdigest()[:10]


def to_ses(compiled: CompiledTemplate, stage: str) -> SesTemplate:
    """The flattened template SES will host; refuses one Handlebars would render differently.

    A campaign's subject line is the campaign's own, sent as the `subject` variable (as the
    consumer does for runtime rendering); the template's subject stays its fallback."""
    problems = handlebars_problems(compiled.trees, compiled.entry)
    if problems:
        raise NotHostable(
            f"template {compiled.source.name!r} cannot be hosted in SES: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            "keep to the Mustache subset in tctfmsg/rendering/ses.py, or push without --ses",
        )
    trees = compiled.trees
    # subject and text are not HTML: our renderer does not escape them, so neither may SES
    subject = engine.to_mustache(trees.subject, raw_variables=True).strip()
    if compiled.entry.category == "campaign":
        subject = f"{{{{^subject}}}}{subject}{{{{/subject}}}}{{{{{{subject}}}}}}"
    html = engine.to_mustache(trees.html)
    text = engine.to_mustache(trees.text, raw_variables=True)
    name = ses_template_name(stage, compiled.source.name, _digest(subject, html, text))
    return SesTemplate(name=name, subject=subject, html=html, text=text)


def ses_template_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The TemplateData to send with an SES-hosted template: empty values left out."""
    return {k: v for k, v in data.items() if v is not None and v != "" and v != []}
