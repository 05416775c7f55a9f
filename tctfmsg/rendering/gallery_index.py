"""The gallery's index.html: one self-contained page (no script, no external asset), every
value escaped, every picture a relative link into the same folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

_STYLE = """
body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;
color:#1d2433;background:#eef1f6}
h1{margin:0 0 4px;font-size:22px}
.summary{margin:0 0 24px;color:#4a5468}
.card{background:#fff;border-radius:8px;margin:0 0 28px;padding:16px 20px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
.card h2{margin:0 0 6px;font-size:18px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px}
dt{color:#4a5468}dd{margin:0}
.shots{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
figure{margin:0}figcaption{color:#4a5468;margin:0 0 4px}
figure img{display:block;border:1px solid #d5dae3}
.error{color:#a4161a;font-weight:600;white-space:pre-wrap}
pre{white-space:pre-wrap;background:#f5f6f8;padding:8px;border-radius:4px}
"""


@dataclass
class Card:
    """One template in one locale, as the index shows it."""

    template: str
    locale: str
    category: str
    channels: tuple[str, ...]
    subject: str = ""
    preheader: str = ""
    sms: str | None = None  # the SMS part, for a template without email
    error: str | None = None  # why it could not be rendered
    shots: dict[int, str] = field(default_factory=dict)  # width → PNG file name, in the folder
    shot_errors: dict[int, str] = field(default_factory=dict)  # width → why it has no PNG

    @property
    def failures(self) -> int:
        return (1 if self.error else 0) + len(self.shot_errors)


def index_html(cards: Sequence[Card], widths: Sequence[int]) -> str:
    failures = sum(card.failures for card in cards)
    pictures = sum(len(card.shots) for card in cards)
    summary = f"{len(cards)} template variant(s), {pictures} screenshot(s), {failures} failure(s)"
    body = "\n".join(_card(card, widths) for card in cards)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>tctfmsg template gallery</title><style>{_STYLE}</style></head>\n<body>\n"
        f'<h1>Template gallery</h1><p class="summary">{summary}</p>\n{body}\n</body></html>\n'
    )


def _card(card: Card, widths: Sequence[int]) -> str:
    facts = [
        ("subject", card.subject),
        ("preheader", card.preheader),
        ("category", card.category),
        ("channels", ", ".join(card.channels)),
        ("locale", card.locale),
    ]
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    parts = [
        f'<section class="card" id="{_e(card.template)}.{_e(card.locale)}">',
        f"<h2>{_e(card.template)} <small>({_e(card.locale)})</small></h2><dl>{rows}</dl>",
    ]
    if card.error:
        parts.append(f'<p class="error">not rendered: {_e(card.error)}</p>')
    if card.sms is not None:
        parts.append(f"<p>SMS only:</p><pre>{_e(card.sms)}</pre>")
    shots = [
        _shot(card, width) for width in widths if width in card.shots or width in card.shot_errors
    ]
    if shots:
        parts.append(f'<div class="shots">{"".join(shots)}</div>')
    parts.append("</section>")
    return "".join(parts)


def _shot(card: Card, width: int) -> str:
    caption = f"<figcaption>{width} px</figcaption>"
    if width in card.shot_errors:
        reason = _e(card.shot_errors[width])
        return f'<figure>{caption}<p class="error">no screenshot: {reason}</p></figure>'
    link = _e(quote(card.shots[width]))
    alt = _e(f"{card.template} ({card.locale}) at {width} px")
    return (
        f'<figure>{caption}<a href="{link}"><img src="{link}" width="{width}" alt="{alt}" '
        'loading="lazy"></a></figure>'
    )


def _e(value: str) -> str:
    return escape(value, quote=True)
