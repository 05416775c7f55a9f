"""What the spec must hold for every stage to deploy as AWS advises (docs/decisions/0087)."""

from __future__ import annotations

import pytest

from tctfmsg.core import resources

_queue_fed = [f for f in resources.FUNCTIONS if f.queue_source]
_ids = {"ids": lambda spec: spec.logical}


@pytest.mark.parametrize("spec", _queue_fed, **_ids)
def test_a_source_queue_hides_a_message_six_times_its_function_timeout_plus_the_window(
    spec: resources.FunctionSpec,
) -> None:
    assert spec.queue_source is not None
    queue = resources.queue(spec.queue_source.queue)
    window = spec.queue_source.max_batching_window_s

    assert queue.visibility_timeout_s >= 6 * spec.timeout_s + window


def test_the_least_visibility_timeout_counts_the_batching_window() -> None:
    spec = resources.FunctionSpec(
        "f",
        "campaigns",
        "lambdas.x:handler",
        timeout_s=30,
        queue_source=resources.QueueSource("q", max_batching_window_s=5),
    )

    assert resources.least_visibility_timeout_s(spec) == 185


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if resources.invoked_async(f)], **_ids
)
def test_every_asynchronously_invoked_function_keeps_its_failures_in_a_queue_of_its_service(
    spec: resources.FunctionSpec,
) -> None:
    assert spec.on_failure, f"{spec.logical} is invoked asynchronously and loses its failures"
    assert resources.queue(spec.on_failure).owner == spec.service


def test_scheduled_and_invoked_functions_are_the_asynchronous_ones() -> None:
    invoked = {f.logical for f in resources.FUNCTIONS if resources.invoked_async(f)}

    assert invoked == {"campaign_scheduler", "chat_scheduler", "notification_api"}


def test_a_senders_share_per_instance_follows_the_stages_bound_on_its_instances() -> None:
    consumer = resources.function("campaign_consumer")
    whole = resources.RATE_BUDGET.function_share(consumer, resources.FUNCTIONS)

    env = resources.function_environment(consumer, instances=8)

    assert float(env["TCTFMSG_SEND_SHARE"]) == pytest.approx(whole / 8)
    assert resources.function_environment(resources.function("campaign_api"), 8) == {}
