"""Campaign routes: each calls its service and answers with the campaign as JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Counters
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tests.support.campaign_memory import record

from .conftest import CAMPAIGN_ID, DEFAULT_SENDER, World, load_event


def test_create_stores_a_draft_and_answers_201_with_it(world: World) -> None:
    answer = world.call("api_create_campaign")

    assert answer.status == 201
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.body["status"] == "draft"
    assert answer.body["name"] == "Spring sale"
    assert answer.body["list"] == "news"
    assert answer.body["filter"] == {"plan": "pro"}
    assert answer.body["sender"] == "News <news@example.com>"
    assert answer.body["counters"] == dict.fromkeys(
        (
            *("targeted", "queued", "requeued", "sent", "failed", "skipped", "cancelled"),
            *("bounced", "complained"),
        ),
        0,
    )
    stored = world.store.get(answer.body["campaign_id"])
    assert stored is not None and stored.status is CampaignStatus.DRAFT
    assert stored.audience.filter == {"plan": "pro"}


def test_create_without_a_sender_uses_the_stage_sender(world: World) -> None:
    body = {"name": "n", "subject": "s", "template": "newsletter", "list": "news"}

    answer = world.call("api_create_campaign", body=body)

    assert answer.status == 201
    assert answer.body["sender"] == DEFAULT_SENDER


def test_create_takes_render_hosted_and_refuses_any_other_value(world: World) -> None:
    body = {"name": "n", "subject": "s", "template": "newsletter", "list": "news"}

    hosted = world.call("api_create_campaign", body=body | {"render": "hosted"})
    refused = [
        world.call("api_create_campaign", body=body | {"render": value})
        for value in ("HOSTED", "ses", 1, True, None)
    ]

    assert hosted.status == 201 and hosted.body["render"] == "hosted"
    assert [a.status for a in refused] == [400] * 5
    assert len(world.store.items) == 1


def test_list_returns_the_campaigns_of_the_status_asked_for(world: World) -> None:
    world.campaign(CampaignStatus.DRAFT, "c-draft")
    world.campaign(CampaignStatus.SENDING, "c-sending")

    drafts = world.call("api_list_campaigns")
    everything = world.call("api_list_campaigns", query=None)

    assert drafts.status == 200
    assert [c["campaign_id"] for c in drafts.body["campaigns"]] == ["c-draft"]
    assert sorted(c["campaign_id"] for c in everything.body["campaigns"]) == [
        "c-draft",
        "c-sending",
    ]


def test_get_returns_the_campaign(world: World) -> None:
    world.campaign(CampaignStatus.SCHEDULED, send_at=datetime(2030, 1, 2, 9, tzinfo=UTC))

    answer = world.call("api_get_campaign")

    assert answer.status == 200
    assert answer.body["campaign_id"] == CAMPAIGN_ID
    assert answer.body["status"] == "scheduled"
    assert answer.body["send_at"] == "2030-01-02T09:00:00+00:00"


def test_stats_report_the_progress_of_a_sending_campaign(world: World) -> None:
    counters = Counters(targeted=10, queued=10, sent=5, failed=1, skipped=1, cancelled=0)
    world.campaign(CampaignStatus.SENDING, counters=counters, fanout_done=True)

    answer = world.call("api_campaign_stats")

    assert answer.status == 200
    assert answer.body == {
        "campaign_id": CAMPAIGN_ID,
        "status": "sending",
        "pause_reason": None,
        "fanout_done": True,
        "counters": counters.as_dict(),
        "settled": 7,
        "remaining": 3,
        "percent_settled": 70.0,
    }


def test_schedule_moves_a_draft_to_scheduled_at_the_time_given(world: World) -> None:
    world.campaign()

    answer = world.call("api_schedule_campaign")

    assert answer.status == 200
    assert answer.body["status"] == "scheduled"
    assert answer.body["send_at"] == "2030-01-02T09:00:00+00:00"
    stored = world.store.get(CAMPAIGN_ID)
    assert stored is not None and stored.send_at == datetime(2030, 1, 2, 9, tzinfo=UTC)


def test_send_now_schedules_for_now_and_starts_the_scheduler(world: World) -> None:
    world.campaign()

    answer = world.call("api_send_now")

    assert answer.status == 200
    assert answer.body["status"] == "scheduled"
    assert answer.body["send_at"] == world.clock.now().isoformat()
    assert world.invoker.calls == [
        ("campaign_scheduler", {"action": "start", "campaign_id": CAMPAIGN_ID})
    ]


def test_pause_then_resume_requeues_what_is_still_pending(world: World) -> None:
    world.campaign(CampaignStatus.SENDING, fanout_done=True)
    record(world.ledger, [Delivery(CAMPAIGN_ID, "a@example.com")])

    paused = world.call("api_pause_campaign")
    resumed = world.call("api_resume_campaign")

    assert (paused.status, paused.body["status"]) == (200, "paused")
    assert (resumed.status, resumed.body["status"]) == (200, "sending")
    assert [m.email_key for m in world.queue.messages] == ["a@example.com"]


def test_cancel_marks_the_pending_deliveries_cancelled(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    record(world.ledger, [Delivery(CAMPAIGN_ID, "a@example.com")])

    answer = world.call("api_cancel_campaign")

    assert answer.status == 200
    assert answer.body["status"] == "cancelled"
    assert answer.body["counters"]["cancelled"] == 1
    delivery = world.ledger.get(CAMPAIGN_ID, "a@example.com")
    assert delivery is not None and delivery.status is DeliveryStatus.CANCELLED


def test_stored_events_are_api_gateway_rest_proxy_events() -> None:
    event = load_event("api_create_campaign")

    assert event["resource"] == "/{proxy+}"
    assert event["requestContext"]["identity"]["userArn"].startswith("arn:aws:sts::")
    assert event["isBase64Encoded"] is False
