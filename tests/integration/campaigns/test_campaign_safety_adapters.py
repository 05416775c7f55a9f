"""The campaign store's safety writes and the SES sender check, against moto (decision 0076)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from tctfmsg.campaigns.adapters.campaigns import DynamoCampaignStore
from tctfmsg.campaigns.adapters.sender_identities import (
    EmbeddedSenderVerification,
    SesSenderVerification,
)
from tctfmsg.campaigns.domain.campaign import Audience, CampaignStatus, new_campaign
from tctfmsg.core.resources import ResourceNames

NAMES = ResourceNames("test")
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _store(provisioned: dict[str, Any]) -> tuple[DynamoCampaignStore, str]:
    store = DynamoCampaignStore(NAMES["campaigns"], provisioned["dynamodb"])
    campaign = new_campaign(
        name="n", subject="s", template="t", audience=Audience("news"), sender="a@b.io", now=NOW
    )
    store.create(campaign)
    return store, campaign.campaign_id


def test_outcomes_add_to_counters_window_and_the_summary_keeping_the_first_sample(
    provisioned: dict[str, Any],
) -> None:
    store, cid = _store(provisioned)

    store.record_outcomes(cid, {"sent": 3, "failed": 2}, {"rejected": (2, "x@y.io")}, NOW)
    after = store.record_outcomes(
        cid, {"failed": 2}, {"rejected": (1, "z@y.io"), "render-error": (1, "q@y.io")}, NOW
    )

    assert (after.counters.sent, after.counters.failed) == (3, 4)
    assert (after.window.window_settled, after.window.window_failed) == (7, 4)
    assert [(f.reason, f.count, f.sample) for f in after.failures] == [
        ("rejected", 3, "x@y.io"),
        ("render-error", 1, "q@y.io"),
    ]


def test_interrupted_deliveries_count_as_failed_but_stay_out_of_the_breakers_window(
    provisioned: dict[str, Any],
) -> None:
    store, cid = _store(provisioned)

    after = store.record_outcomes(
        cid,
        {"sent": 1, "failed": 3},
        {"interrupted": (2, "a@y.io"), "rejected": (1, "b@y.io")},
        NOW,
    )

    assert after.counters.failed == 3
    assert (after.window.window_settled, after.window.window_failed) == (4, 1)


def test_a_campaign_stored_before_the_summary_existed_gets_one(
    provisioned: dict[str, Any],
) -> None:
    store, cid = _store(provisioned)
    provisioned["dynamodb"].update_item(
        TableName=NAMES["campaigns"],
        Key={"campaign_id": {"S": cid}},
        UpdateExpression="REMOVE failure_counts, failure_samples",
    )

    after = store.record_outcomes(cid, {"failed": 1}, {"rejected": (1, "x@y.io")}, NOW)

    assert [(f.reason, f.count) for f in after.failures] == [("rejected", 1)]


def test_a_window_rolls_once_however_many_ask(provisioned: dict[str, Any]) -> None:
    store, cid = _store(provisioned)
    seen = store.record_outcomes(cid, {"sent": 8, "failed": 2}, {"rejected": (2, "x@y.io")}, NOW)

    rolled = store.roll_window(cid, seen.window)
    again = store.roll_window(cid, seen.window)

    assert rolled.window == again.window
    assert (rolled.window.window_settled, rolled.window.window_prev_failed) == (0, 2)


def test_a_pause_reason_is_stored_with_the_move_and_cleared_by_the_next(
    provisioned: dict[str, Any],
) -> None:
    store, cid = _store(provisioned)
    store.transition(cid, CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, NOW)
    store.transition(cid, CampaignStatus.SCHEDULED, CampaignStatus.SENDING, NOW)

    paused = store.transition(
        cid, CampaignStatus.SENDING, CampaignStatus.PAUSED, NOW, reason="auto-paused: x"
    )
    resumed = store.transition(cid, CampaignStatus.PAUSED, CampaignStatus.SENDING, NOW)

    assert (paused.pause_reason, resumed.pause_reason) == ("auto-paused: x", None)


def test_a_sender_is_verified_by_its_address_or_its_domain_identity(aws: None) -> None:
    ses, sesv2 = boto3.client("ses"), boto3.client("sesv2")
    ses.verify_domain_identity(Domain="news.example.com")
    ses.verify_email_identity(EmailAddress="me@solo.example.org")
    check = SesSenderVerification(sesv2)

    assert check.verified("letters@news.example.com")
    assert check.verified("me@solo.example.org")
    assert not check.verified("other@solo.example.org")
    assert not check.verified("news@unverified.example.net")


def test_the_embedded_stack_lets_any_sender_send(aws: None) -> None:
    check = EmbeddedSenderVerification(boto3.client("ses"), boto3.client("sesv2"))

    assert check.verified("anyone@anywhere.example.net")
