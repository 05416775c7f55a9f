"""Every Lambda function of the spec, wired to its queue or schedule, in its service's stack."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk.app import build_app
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError

from .conftest import CONCURRENCY, OFFLINE, STAGE, STAGE_SETTINGS


def _function(template: Template, spec: resources.FunctionSpec) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"FunctionName": spec.physical_name(STAGE)}}
    )
    assert len(found) == 1, f"expected one function named {spec.physical_name(STAGE)}"
    logical_id, function = next(iter(found.items()))
    return logical_id, function["Properties"]


@pytest.mark.parametrize("spec", resources.FUNCTIONS, ids=lambda spec: spec.logical)
def test_function_has_the_handler_timeout_and_memory_of_the_spec(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    _, props = _function(templates[spec.service], spec)

    assert props["Handler"] == spec.handler.replace(":", ".")
    assert props["Timeout"] == spec.timeout_s
    assert props["MemorySize"] == spec.memory_mb
    assert props["Environment"]["Variables"]["TCTFMSG_STAGE"] == STAGE


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if f.queue_source], ids=lambda spec: spec.logical
)
def test_queue_fed_function_reads_its_queue_with_the_spec_batch_and_the_stage_concurrency(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    function_id, props = _function(template, spec)
    source = spec.queue_source
    assert source is not None
    queue_id = next(
        iter(
            template.find_resources(
                "AWS::SQS::Queue",
                {"Properties": {"QueueName": resources.queue(source.queue).physical_name(STAGE)}},
            )
        )
    )

    [mapping] = template.find_resources(
        "AWS::Lambda::EventSourceMapping",
        {"Properties": {"FunctionName": {"Ref": function_id}}},
    ).values()
    mapping_props = mapping["Properties"]
    assert mapping_props["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping_props["BatchSize"] == source.batch_size
    assert mapping_props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    instances = CONCURRENCY.get(spec.logical, source.max_concurrency)  # the stage's, else spec's
    if instances >= 2:  # the least an SQS event source can be capped to
        assert mapping_props["ScalingConfig"] == {"MaximumConcurrency": instances}
    else:
        assert props["ReservedConcurrentExecutions"] == instances


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if f.queue_source], ids=lambda spec: spec.logical
)
def test_a_message_stays_invisible_while_its_function_may_still_run(
    spec: resources.FunctionSpec,
) -> None:
    # Lambda refuses an SQS event source whose visibility timeout is below the function timeout;
    # AWS advises six times it plus the batching window (tests/unit/core/test_deploy_rules.py).
    assert spec.queue_source is not None
    queue = resources.queue(spec.queue_source.queue)
    assert queue.visibility_timeout_s >= resources.least_visibility_timeout_s(spec)


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if f.schedule_minutes], ids=lambda spec: spec.logical
)
def test_scheduled_function_runs_on_its_rate(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    function_id, _ = _function(template, spec)
    minutes = spec.schedule_minutes
    expected = f"rate({minutes} minute{'s' if minutes != 1 else ''})"

    rules = [
        rule["Properties"]
        for rule in template.find_resources("AWS::Events::Rule").values()
        if any(
            t["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]} for t in rule["Properties"]["Targets"]
        )
    ]
    assert [rule["ScheduleExpression"] for rule in rules] == [expected]


def test_stage_settings_from_context_reach_every_function(tmp_path: Path) -> None:
    app = build_app(
        {**OFFLINE, "settings": json.dumps({**STAGE_SETTINGS, "email_timeout_s": 3})},
        outdir=str(tmp_path),
    )
    stack = app.node.find_child(resources.stack_name(STAGE, "campaigns"))
    template = Template.from_stack(cdk.Stack.of(stack))

    for props in template.find_resources("AWS::Lambda::Function").values():
        env = props["Properties"]["Environment"]["Variables"]
        assert env["TCTFMSG_SENDER"] == STAGE_SETTINGS["sender"]
        assert env["TCTFMSG_EMAIL_TIMEOUT_S"] == "3"
        assert env["TCTFMSG_STAGE"] == STAGE


@pytest.mark.parametrize(
    "settings",
    ['{"stage": "prod"}', '{"no_such_setting": 1}', '{"email_timeout_s": -1}', "not json"],
)
def test_settings_a_function_would_refuse_fail_the_synth(settings: str) -> None:
    with pytest.raises(ConfigurationError):
        build_app({**OFFLINE, "settings": settings})


SENDERS = [f for f in resources.FUNCTIONS if f.sends_email]


@pytest.mark.parametrize("spec", SENDERS, ids=lambda spec: spec.logical)
def test_each_sender_paces_to_its_instances_share_of_the_rate_budget(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    _, props = _function(templates[spec.service], spec)

    share = float(props["Environment"]["Variables"]["TCTFMSG_SEND_SHARE"])

    # the stage's instances split the function's share (conftest's concurrency)
    whole = resources.RATE_BUDGET.function_share(spec, resources.FUNCTIONS)
    assert share == pytest.approx(whole / CONCURRENCY[spec.logical])


def test_no_function_but_a_sender_carries_a_share(templates: dict[str, Template]) -> None:
    for spec in resources.FUNCTIONS:
        _, props = _function(templates[spec.service], spec)
        variables = props["Environment"]["Variables"]
        assert ("TCTFMSG_SEND_SHARE" in variables) is spec.sends_email
        assert "TCTFMSG_SEND_CONCURRENCY" not in variables


def test_the_shares_deployed_to_every_stack_sum_to_at_most_each_provider_rate(
    app: cdk.App,
) -> None:
    # GIVEN the transactional worker in communication beside the campaign consumer
    functions = resources.FUNCTIONS
    worker = resources.function("notification_worker")

    # WHEN every instance of every sending function runs at the share its environment gives
    deployed = []
    for spec in (f for f in functions if f.sends_email):
        stack = cdk.Stack.of(app.node.find_child(resources.stack_name(STAGE, spec.service)))
        _, props = _function(Template.from_stack(stack), spec)
        share = float(props["Environment"]["Variables"]["TCTFMSG_SEND_SHARE"])
        deployed.append(share * CONCURRENCY[spec.logical])

    # THEN with the operator's CLI sends, no provider is asked for more than its rate, and the
    # transactional worker holds the whole transactional part
    budget = resources.RATE_BUDGET
    assert math.fsum([*deployed, budget.operator]) <= 1 + 1e-9
    assert len(deployed) == 2
    assert deployed[[f.logical for f in functions if f.sends_email].index(worker.logical)] == (
        pytest.approx(budget.transactional)
    )


def test_a_stage_cannot_set_one_share_for_every_function() -> None:
    with pytest.raises(ConfigurationError, match="send_share"):
        build_app({**OFFLINE, "settings": '{"send_share": 1}'})
