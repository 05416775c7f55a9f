"""Refusals before sending (decision 0076): nothing is created or started on a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.campaign_checks import Readiness
from tctfmsg.campaigns.services.campaigns import CampaignDeps
from tctfmsg.core.errors import InvalidInput, NotFound
from tests.support.campaign_fakes import FakeRenderer
from tests.unit.campaigns.conftest import World


@dataclass
class Senders:
    verified_domains: set[str] = field(default_factory=lambda: {"example.com"})
    asked: list[str] = field(default_factory=list)

    def verified(self, sender: str) -> bool:
        self.asked.append(sender)
        return sender.rpartition("@")[2] in self.verified_domains


def _checked(world: World, renderer: FakeRenderer | None = None) -> CampaignDeps:
    readiness = Readiness(renderer or FakeRenderer(), world.people, world.people, Senders())
    return replace(world.deps, readiness=readiness)


def _create(deps: CampaignDeps, **changes: Any) -> Campaign:
    args: dict[str, Any] = {
        "name": "n",
        "subject": "s",
        "template": "newsletter",
        "list_name": "news",
        "sender": "News <news@example.com>",
    }
    return campaigns.create(deps, **(args | changes))


def test_a_ready_campaign_is_created(world: World) -> None:
    world.seed(2)

    created = _create(_checked(world))

    assert created.campaign_id in world.store.items


def test_an_unknown_template_is_refused_and_nothing_is_created(world: World) -> None:
    world.seed(2)

    with pytest.raises(NotFound, match="no template nosuch"):
        _create(_checked(world), template="nosuch")

    assert world.store.items == {}


def test_a_template_that_does_not_render_for_the_first_member_names_the_variable(
    world: World,
) -> None:
    world.seed(2)
    renderer = FakeRenderer()
    renderer.required = ("plan",)

    with pytest.raises(InvalidInput, match=r"p00@example\.com.*needs variable plan"):
        _create(_checked(world, renderer))

    assert world.store.items == {}


@pytest.mark.parametrize("list_name", ["nosuchlist", "empty"])
def test_an_unknown_or_empty_list_is_refused(world: World, list_name: str) -> None:
    world.seed(2)  # on "news"

    with pytest.raises(NotFound, match=f"list '{list_name}' has no subscribers"):
        _create(_checked(world), list_name=list_name)

    assert world.store.items == {}


def test_a_filter_that_matches_no_member_is_refused(world: World) -> None:
    world.seed(3)

    with pytest.raises(InvalidInput, match="no subscriber of list 'news' matches the filter"):
        _create(_checked(world), filter={"plan": "enterprise"})

    assert world.store.items == {}


def test_an_unverified_sender_is_refused(world: World) -> None:
    world.seed(1)

    with pytest.raises(InvalidInput, match=r"sender news@elsewhere\.org is not verified"):
        _create(_checked(world), sender="News <news@elsewhere.org>")

    assert world.store.items == {}


def test_send_now_refuses_a_template_deleted_since_create_and_starts_nothing(
    world: World,
) -> None:
    world.seed(2)
    renderer = FakeRenderer()
    deps = _checked(world, renderer)
    draft = _create(deps)
    renderer.templates = ()  # deleted in between

    with pytest.raises(NotFound):
        campaigns.send_now(deps, draft.campaign_id)
    with pytest.raises(NotFound):
        campaigns.schedule(deps, draft.campaign_id, world.clock.now())

    assert world.store.items[draft.campaign_id].status is CampaignStatus.DRAFT
    assert world.invoker.calls == []


def test_an_illegal_move_is_refused_as_such_before_any_check(world: World) -> None:
    world.seed(1)
    deps = _checked(world)
    draft = _create(deps)
    campaigns.cancel(deps, draft.campaign_id)
    senders = Senders()
    deps = replace(deps, readiness=replace(deps.readiness, senders=senders))

    with pytest.raises(Exception, match="cancelled and cannot become scheduled"):
        campaigns.send_now(deps, draft.campaign_id)

    assert senders.asked == []
