"""The campaign API answers the safety rules as the CLI does (decision 0076)."""

from __future__ import annotations

from dataclasses import replace

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services.campaign_checks import Readiness
from tests.support.campaign_fakes import FakeRenderer
from tests.support.campaign_memory import MemorySubscribers
from tests.unit.campaigns_api.conftest import CAMPAIGN_ID, World


class _AnySender:
    def verified(self, sender: str) -> bool:
        return True


def test_create_with_an_unknown_template_answers_404_with_one_line_and_creates_nothing(
    world: World,
) -> None:
    people = MemorySubscribers()
    people.add(Subscriber(email="a@example.com", name="A", lists=frozenset({"news"})))
    readiness = Readiness(FakeRenderer(), people, people, _AnySender())
    world.root.campaign_deps = replace(world.deps, readiness=readiness)
    body = {"name": "n", "subject": "s", "template": "nosuch", "list": "news"}

    answer = world.call("api_create_campaign", body=body)

    assert answer.status == 404
    assert answer.body["error"] == "no template nosuch"
    assert world.store.items == {}


def test_failures_of_a_campaign_are_listed_with_their_retry_advice(world: World) -> None:
    world.campaign(CampaignStatus.SENDING)
    world.ledger.items[(CAMPAIGN_ID, "a@x.io")] = Delivery(
        CAMPAIGN_ID, "a@x.io", DeliveryStatus.FAILED, reason="rejected: ses: no such mailbox"
    )
    world.ledger.items[(CAMPAIGN_ID, "b@x.io")] = Delivery(CAMPAIGN_ID, "b@x.io")

    answer = world.call(
        "api_get_campaign", path=f"/campaigns/{CAMPAIGN_ID}/failures", query={"reason": "rejected"}
    )

    assert answer.status == 200
    [only] = answer.body["failures"]
    assert (only["recipient"], only["reason"], only["retryable"]) == ("a@x.io", "rejected", False)
