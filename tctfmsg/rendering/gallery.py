"""The gallery: every template (and locale) rendered with its sample data, screenshotted at
desktop and phone width in parallel, and one index.html to review them side by side.

A render or a screenshot that fails is kept on its card with the reason, so one broken
template never hides the others; `Gallery.failures` counts them for the door's exit code."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tctfmsg.core.errors import InvalidInput, TctfmsgError
from tctfmsg.rendering import engine
from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.gallery_index import Card, index_html
from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.renderer import RenderedEmail, Renderer, catalog_partials
from tctfmsg.rendering.service import TemplateDeps
from tctfmsg.rendering.store import FileTemplateStore, TemplateSource

DEFAULT_LOCALE = "en"
ALL_LOCALES = "all"
WIDTHS = (700, 375)  # desktop, phone
INDEX = "index.html"
_SAFE = re.compile(r"[^A-Za-z0-9_-]")

Progress = Callable[[int, int, str], None]  # (done, total, what was just finished)


def template_locales(files: FileTemplateStore, template: str) -> tuple[str, ...]:
    """The locales a template is written in, the default first."""
    return files.get(template).locales


def variants(registry: Registry, files: FileTemplateStore, locale: str | None) -> list[Variant]:
    """(template, locale) pairs to show: each template's default locale, one locale (the
    templates written in it), or every locale of every template (`all`)."""
    wanted = locale or DEFAULT_LOCALE
    found: list[Variant] = []
    known: set[str] = set()
    for template in registry.templates():
        if not files.exists(template):
            continue
        locales = template_locales(files, template)
        known.update(locales)
        chosen = locales if wanted == ALL_LOCALES else [x for x in locales if x == wanted]
        found += [Variant(template, x) for x in chosen]
    if not found:
        raise InvalidInput(
            f"no template is written in locale {wanted[:40]!r}",
            f"pass --locale with one of {', '.join(sorted(known)) or DEFAULT_LOCALE}, or all",
        )
    return found


@dataclass(frozen=True)
class Variant:
    template: str
    locale: str


@dataclass(frozen=True)
class Gallery:
    index: Path
    cards: list[Card]

    @property
    def failures(self) -> int:
        return sum(card.failures for card in self.cards)

    @property
    def pictures(self) -> int:
        return sum(len(card.shots) for card in self.cards)


def pool_size(jobs: int, cpus: int | None = None) -> int:
    """One Chromium per core: each is CPU-bound while it lays out and paints."""
    return max(1, min(jobs, cpus if cpus is not None else os.cpu_count() or 1))


def render_gallery(
    deps: TemplateDeps,
    out: Path,
    locale: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Gallery:
    """Renders every variant, screenshots each at every width in a bounded pool, and writes
    `out/index.html` linking them all."""
    files = deps.files
    registry = load_registry(files.root)
    chosen = variants(registry, files, locale)
    assets = files.design().assets_dir.resolve().as_uri()
    renderer = Renderer(
        files, registry, files.design(), {**deps.constants, "asset_base_url": assets}
    )
    _writable(out)
    cards, pages = [], []
    for variant in chosen:
        card, html = _card(renderer, files, variant)
        cards.append(card)
        if html is not None:
            pages += [(card, html, width) for width in WIDTHS]
    _shoot(deps, out, pages, progress, workers)
    index = out / INDEX
    index.write_text(index_html(cards, WIDTHS), encoding="utf-8")
    return Gallery(index, cards)


def _writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the gallery to {str(out)[:200]}: {exc.strerror}",
            "pass --out with a folder you can write to",
        ) from None


def _card(
    renderer: Renderer, files: FileTemplateStore, variant: Variant
) -> tuple[Card, str | None]:
    entry = renderer.registry.for_template(variant.template)
    card = Card(variant.template, variant.locale, entry.category, entry.channels)
    source = files.get(variant.template)
    try:
        if not source.has_email:
            card.sms = _render_sms(renderer, variant, source.sample)
            return card, None
        email = _render(renderer, variant, source.sample)
        card.subject = email.subject
        card.preheader = _preheader(renderer, source, variant.locale, source.sample)
    except TctfmsgError as exc:
        card.error = str(exc)
        return card, None
    return card, email.html


def _render(renderer: Renderer, variant: Variant, data: dict[str, Any]) -> RenderedEmail:
    return renderer.render(variant.template, data, locale=variant.locale)


def _render_sms(renderer: Renderer, variant: Variant, data: dict[str, Any]) -> str:
    return renderer.render_sms(variant.template, data, locale=variant.locale)


def _preheader(
    renderer: Renderer, source: TemplateSource, locale: str, data: dict[str, Any]
) -> str:
    """The preheader slot in the variant's words (its catalog strings are partials)."""
    tokens = engine.tokens_of(source.slots.get("preheader", ""), "preheader slot")
    words = catalog_partials(source, renderer.design, locale, source.name)
    nodes = engine.build_tree(tokens, words, "preheader slot", renderer.constants, False)
    return " ".join(engine.compile_nodes(nodes)([data]).split())


def png_name(template: str, locale: str, width: int) -> str:
    return f"{_SAFE.sub('_', template)}.{_SAFE.sub('_', locale)}.{width}.png"


def _shoot(
    deps: TemplateDeps,
    out: Path,
    pages: list[tuple[Card, str, int]],
    progress: Progress | None,
    workers: int | None,
) -> None:
    total = len(pages)
    if progress:
        progress(0, total, "")
    if not pages:
        return
    with ThreadPoolExecutor(max_workers=workers or pool_size(total)) as pool:
        running: dict[Future[int], tuple[Card, int, str]] = {}
        for card, html, width in pages:
            name = png_name(card.template, card.locale, width)
            future = pool.submit(deps.screenshots.screenshot, html, out / name, width)
            running[future] = (card, width, name)
        for done, future in enumerate(as_completed(running), start=1):
            card, width, name = running[future]
            try:
                future.result()
                card.shots[width] = name
            except (TctfmsgError, OSError) as exc:
                card.shot_errors[width] = str(exc) or type(exc).__name__
            if progress:
                progress(done, total, f"{card.template} ({card.locale}) {width}px")
