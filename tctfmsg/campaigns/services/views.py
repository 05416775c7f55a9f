"""The JSON shapes every door answers with (CLI `--json`, the campaign API): one place, so a
script that reads one reads the other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.domain.delivery import Delivery, reason_code, retry_advice
from tctfmsg.campaigns.domain.failed_message import FailedMessage


def campaign_json(c: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": c.campaign_id,
        "name": c.name,
        "subject": c.subject,
        "template": c.template,
        "render": c.render.value,
        "list": c.audience.list_name,
        "filter": dict(c.audience.filter),
        "sender": c.sender,
        "status": c.status.value,
        "send_at": _iso(c.send_at),
        "fanout_done": c.fanout_done,
        "counters": c.counters.as_dict(),
        "pause_reason": c.pause_reason,
        "failures": [
            {"reason": f.reason, "count": f.count, "sample": f.sample, **_advice(f.reason)}
            for f in c.failures
        ],
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "completed_at": _iso(c.completed_at),
    }


def progress_json(c: Campaign) -> dict[str, Any]:
    n = c.counters
    # The total is known once the fan-out is done; until then the share is of those targeted.
    percent = round(100 * n.settled / n.targeted, 1) if n.targeted else None
    return {
        "campaign_id": c.campaign_id,
        "status": c.status.value,
        "pause_reason": c.pause_reason,
        "fanout_done": c.fanout_done,
        "counters": n.as_dict(),
        "settled": n.settled,
        "remaining": max(n.targeted - n.settled, 0),
        "percent_settled": percent,
    }


def failed_json(f: FailedMessage) -> dict[str, Any]:
    return {
        "failure_id": f.failure_id,
        "campaign_id": f.campaign_id,
        "email_key": f.email_key,
        "reason": f.reason,
        "detail": f.detail,
        "attempts": f.attempts,
        "state": f.state.value,
        "failed_at": f.failed_at.isoformat(),
        "updated_at": _iso(f.updated_at),
    }


def delivery_failure_json(d: Delivery) -> dict[str, Any]:
    return {
        "campaign_id": d.campaign_id,
        "recipient": d.email_key,
        "reason": reason_code(d.reason),
        "detail": d.reason or "",
        "attempts": d.attempts,
        **_advice(d.reason),
        "updated_at": _iso(d.updated_at),
    }


def _advice(reason: str | None) -> dict[str, Any]:
    retryable, why = retry_advice(reason)
    return {"retryable": retryable, "why": why}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
