"""The unsubscribe pages: small, self-contained HTML (no script, no external asset), every
value escaped. The address is shown masked: whoever holds a forwarded link learns little."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

# What the pages may do: inline style, a form posting back here; nothing else, in no frame.
SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never pass it on
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;"
    "color:#1f2933}button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;"
    "background:#1f2933;color:#fff;cursor:pointer}a{color:#1f2933}"
)


def confirm_page(email: str, token: str, preferences_url: str | None = None) -> str:
    """Asks before it acts: opening the link unsubscribes no one."""
    action = "?token=" + quote(token, safe="")
    body = (
        f"<h1>Unsubscribe?</h1><p>Stop campaign emails to <strong>{escape(mask(email))}"
        "</strong>.</p>"
        f'<form method="post" action="{escape(action)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        "<button type=submit>Unsubscribe</button></form>"
    )
    return _page("Unsubscribe", body + _preferences(preferences_url))


def done_page(preferences_url: str | None = None) -> str:
    body = "<h1>You are unsubscribed</h1><p>You will get no more campaign emails from us.</p>"
    return _page("Unsubscribed", body + _preferences(preferences_url))


def refused_page(reason: str) -> str:
    body = f"<h1>This link does not work</h1><p>{escape(reason)}</p>"
    return _page("Link not valid", body)


def mask(email: str) -> str:
    """ada.lovelace@example.com → a***********@example.com"""
    local, at, domain = email.rpartition("@")
    if not at:
        return "*" * min(len(email), 12)
    return local[:1] + "*" * min(max(len(local) - 1, 1), 12) + "@" + domain


def _preferences(url: str | None) -> str:
    if not url:
        return ""
    return f'<p><a href="{escape(url)}">Manage your email preferences</a></p>'


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
