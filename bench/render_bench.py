"""Render the newsletter for 10,000 different recipients with the library's renderer and with
plain `chevron.render` on the very same template strings; print renders/s and their ratio
(goal >= 2.0). One render = subject + HTML + plain text, as a campaign send needs.

Bounded: three passes each over the same recipients (the fastest counts), about 30 s in all.
Run: .venv/bin/python bench/render_bench.py [RECIPIENTS]
"""

from __future__ import annotations

import html
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import chevron

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.renderer import SLOTS
from tctfmsg.rendering.unsubscribe import unsubscribe_url

TEMPLATE = "newsletter"
ROUNDS = 3
FIRST_NAMES = ["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Edsger", "Barbara", ""]


def recipients(count: int) -> list[dict[str, Any]]:
    key = b"bench-signing-key-0123456789abcdef"
    people = []
    for i in range(count):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        email = f"{(first or 'anon').lower()}.{i}@example.com"
        person: dict[str, Any] = {
            "email": email,
            "name": f"{first} O'Example-{i}".strip(),
            "unsubscribe_url": unsubscribe_url("https://tctfmsg.example/u", key, "cmp-1", email),
        }
        if first:  # a ninth of them has no first name: the template falls back to "there"
            person["first_name"] = first
        people.append(person)
    return people


def chevron_parts(files: FileTemplateStore, renderer: Renderer) -> dict[str, Any]:
    """The same template strings, as plain chevron needs them: layout, partials, slots."""
    source = files.get(TEMPLATE)
    design = files.design()
    category = renderer.registry.for_template(TEMPLATE).category
    partials = dict(design.partials)
    partials.update({slot: source.slots.get(slot, "") for slot in SLOTS})
    partials["subject"] = source.subject
    partials["footer_note"] = partials[f"footer_note_{category}"]
    partials["footer_note_text"] = partials[f"footer_note_text_{category}"]
    return {
        "subject": source.subject,
        "html": design.layout_html,
        "text": design.layout_text,
        "html_partials": {**partials, "content": source.html},
        "text_partials": {**partials, "content": source.text},
        "constants": renderer.constants,
    }


def _best(run: Any, rounds: int = ROUNDS) -> float:
    """Fastest of a few passes: the machine is shared, and a slow pass measures the others."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def _tokens(template: str) -> list[tuple[str, str]]:
    return list(chevron.tokenizer.tokenize(template))


def main(count: int) -> None:
    files = FileTemplateStore()
    renderer = Renderer(files, load_registry(), files.design())
    people = recipients(count)
    parts = chevron_parts(files, renderer)

    renderer.render(TEMPLATE, people[0])  # the one compile a process pays, then cached
    ours: list[Any] = []
    theirs: list[Any] = []

    def library() -> None:
        ours[:] = [renderer.render(TEMPLATE, person) for person in people]

    def plain_chevron() -> None:
        theirs.clear()
        for person in people:
            data = {**parts["constants"], **person}
            theirs.append(
                (
                    chevron.render(parts["subject"], data).strip(),
                    chevron.render(parts["html"], data, partials_dict=parts["html_partials"]),
                    chevron.render(parts["text"], data, partials_dict=parts["text_partials"]),
                )
            )

    # For reference: chevron at its best, from token lists made once (it accepts them for
    # templates and partials alike), still escaping differently and walking tokens per render.
    tokens = {k: _tokens(v) for k, v in parts.items() if isinstance(v, str)}
    html_partials = {k: _tokens(v) for k, v in parts["html_partials"].items()}
    text_partials = {k: _tokens(v) for k, v in parts["text_partials"].items()}

    def tokenized_chevron() -> None:
        for person in people:
            data = {**parts["constants"], **person}
            chevron.render(tokens["subject"], data)
            chevron.render(tokens["html"], data, partials_dict=html_partials)
            chevron.render(tokens["text"], data, partials_dict=text_partials)

    library_s = _best(library)
    chevron_s = _best(plain_chevron)
    tokenized_s = _best(tokenized_chevron)

    # same output (chevron leaves ' unescaped, which is the point of our escaping)
    same = all(
        html.unescape(a.html) == html.unescape(b[1]) and a.text == b[2] and a.subject == b[0]
        for a, b in zip(ours, theirs, strict=True)
    )
    size = sum(len(e.html) for e in ours) / len(ours)
    print(
        f"template: {TEMPLATE}  recipients: {count:,}  html: {size / 1024:.1f} KB each  "
        f"(best of {ROUNDS} passes)"
    )
    print(f"python {platform.python_version()}, chevron {metadata.version('chevron')}")
    print(f"library Renderer.render: {count / library_s:>9,.0f} renders/s ({library_s:.2f} s)")
    print(f"plain chevron.render:    {count / chevron_s:>9,.0f} renders/s ({chevron_s:.2f} s)")
    print(f"ratio library/chevron:   {chevron_s / library_s:>9.1f}  (goal >= 2.0)")
    print(
        f"reference, chevron.render on pre-tokenized lists: {count / tokenized_s:,.0f} renders/s"
        f" (library is {tokenized_s / library_s:.1f}x that)"
    )
    print(f"outputs identical (after unescaping): {same}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
