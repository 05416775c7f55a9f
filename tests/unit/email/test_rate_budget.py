"""One rate budget per provider: every sender of every service together stays within each
provider's rate, transactional sends keep a part campaigns cannot take, and each process's
pacer gets its share from the one declaration in the spec."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from tctfmsg.campaigns.bootstrap import CampaignsRoot
from tctfmsg.core import resources, settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.rate_budget import RateBudget
from tctfmsg.core.resources import FunctionSpec
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.email.message import DEFAULT_CONFIG
from tctfmsg.email.pacer import Pacer, share_for
from tests.support.declared_senders import DIGEST_SENDER, NOTIFICATION_WORKER, declare

LOCAL = {"target": "local", "endpoint_url": "http://127.0.0.1:9"}
RATES = sorted({c.rate_per_s for c in DEFAULT_CONFIG.values()} | {1.0, 500.0})
# Float division can leave a sum one unit in the last place above its whole.
ROUNDING = 1e-9


def _senders(functions: tuple[FunctionSpec, ...]) -> list[FunctionSpec]:
    return [f for f in functions if f.sends_email]


def _aws_instance_pacer(spec: FunctionSpec) -> Pacer:
    """The pacer one Lambda instance builds from the environment the CDK gives it."""
    share = resources.function_environment(spec)["TCTFMSG_SEND_SHARE"]
    aws = Clients(settings.load(target="aws", stage="prod", send_share=share))
    return EmailRoot(aws, spec.logical).pacer


def _cli_pacer() -> Pacer:
    return EmailRoot(Clients(settings.load(**LOCAL))).pacer


@pytest.mark.parametrize(
    "extra", [(), (NOTIFICATION_WORKER,), (NOTIFICATION_WORKER, DIGEST_SENDER)]
)
@pytest.mark.parametrize("rate", RATES)
def test_every_sender_of_every_service_together_stays_within_the_provider_rate(
    monkeypatch: pytest.MonkeyPatch, extra: tuple[FunctionSpec, ...], rate: float
) -> None:
    functions = declare(monkeypatch, *extra) if extra else resources.FUNCTIONS

    in_aws = [
        _aws_instance_pacer(spec).rate(rate) * spec.max_instances for spec in _senders(functions)
    ]
    local_root = Clients(settings.load(**LOCAL))
    on_the_embedded_stack = [
        EmailRoot(local_root, spec.logical).pacer.rate(rate) for spec in _senders(functions)
    ]

    assert math.fsum([*in_aws, _cli_pacer().rate(rate)]) <= rate * (1 + ROUNDING)
    assert math.fsum([*on_the_embedded_stack, _cli_pacer().rate(rate)]) <= rate * (1 + ROUNDING)


def test_campaign_senders_cannot_take_the_transactional_reserve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    budget = resources.RATE_BUDGET
    functions = declare(monkeypatch, NOTIFICATION_WORKER, DIGEST_SENDER)

    campaign = math.fsum(
        budget.instance_share(f, functions) * f.max_instances
        for f in functions
        if f.send_class == "campaign"
    )
    transactional = budget.function_share(NOTIFICATION_WORKER, functions)

    assert campaign <= (1 - budget.transactional) * (1 + ROUNDING)
    # a second campaign sender halves the campaign part, never the transactional one
    assert transactional == budget.transactional
    assert budget.function_share(DIGEST_SENDER, functions) == budget.campaign / 2


def test_an_aws_instance_takes_its_functions_share_split_between_its_instances() -> None:
    consumer = resources.function("campaign_consumer")
    assert consumer.queue_source is not None

    pacer = _aws_instance_pacer(consumer)

    assert pacer.share == resources.RATE_BUDGET.campaign / consumer.queue_source.max_concurrency


def test_an_aws_instance_without_the_environment_derives_the_same_share() -> None:
    consumer = resources.function("campaign_consumer")
    aws = settings.load(target="aws", stage="prod")

    assert share_for(aws, consumer.logical) == _aws_instance_pacer(consumer).share


def test_on_the_embedded_stack_a_function_takes_its_whole_share_for_its_pollers() -> None:
    root = CampaignsRoot(Clients(settings.load(**LOCAL)))

    assert root.email.sends_as == "campaign_consumer"
    assert root.email.pacer.share == resources.RATE_BUDGET.campaign


def test_cli_sends_take_the_operators_share() -> None:
    assert _cli_pacer().share == resources.RATE_BUDGET.operator


def test_an_explicit_share_wins_for_a_process_standing_for_instances() -> None:
    explicit = Clients(settings.load(**LOCAL, send_share=0.25))

    assert EmailRoot(explicit, "campaign_consumer").pacer.share == 0.25


def test_a_budget_that_would_oversubscribe_a_provider_is_refused() -> None:
    with pytest.raises(ValueError, match="sum to <= 1"):
        RateBudget(transactional=0.5, campaign=0.6, operator=0)


def test_a_sender_with_unbounded_instances_is_refused() -> None:
    with pytest.raises(ValueError, match="bounded queue_source"):
        replace(NOTIFICATION_WORKER, queue_source=None)
