"""The app as a whole: stack names, independence, the CLI's view of it, the stage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Annotations, Match, Template

from cdk.app import build_app, context_from_argv, stage_of
from cdk.components.nag import apply_checks
from cdk.stacks import STACKS, ServiceStack
from tctfmsg.core import resources, stack_outputs
from tctfmsg.core.errors import ConfigurationError

from .conftest import OFFLINE, STAGE


def test_there_is_a_shared_stack_and_one_stack_per_service_named_by_the_spec(
    assembly: cx_api.CloudAssembly,
) -> None:
    assert sorted(stack.stack_name for stack in assembly.stacks) == sorted(
        [resources.stack_name(STAGE, "shared")]
        + [resources.stack_name(STAGE, service) for service in resources.SERVICES]
    )


def test_stacks_import_nothing_from_each_other_so_each_deploys_on_its_own(
    assembly: cx_api.CloudAssembly,
) -> None:
    for stack in assembly.stacks:
        text = json.dumps(stack.template)
        assert "Fn::ImportValue" not in text
        assert all("Export" not in o for o in stack.template.get("Outputs", {}).values())


def test_service_stacks_deploy_after_the_shared_stack_and_after_nothing_else(
    assembly: cx_api.CloudAssembly,
) -> None:
    stack_ids = {stack.id for stack in assembly.stacks}
    shared = resources.stack_name(STAGE, resources.SHARED)

    after = {
        stack.stack_name: {d.id for d in stack.dependencies} & stack_ids
        for stack in assembly.stacks
    }

    assert after == {
        shared: set(),
        **{resources.stack_name(STAGE, s): {shared} for s in resources.SERVICES},
    }


@pytest.mark.parametrize("stack_class", STACKS, ids=lambda cls: cls.service)
def test_each_service_stack_synthesizes_on_its_own_and_passes_the_checks(
    stack_class: type[ServiceStack], tmp_path: Path
) -> None:
    app = cdk.App(context=OFFLINE, outdir=str(tmp_path))
    stack = stack_class(app, stage=STAGE)
    apply_checks(app)

    assembly = app.synth()  # raises if cdk-nag finds an unacknowledged error

    [only] = assembly.stacks
    assert only.stack_name == resources.stack_name(STAGE, stack_class.service)
    assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []
    tables, _, _ = resources.for_owner(stack_class.service)  # none of the shared ones
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::DynamoDB::Table", len(tables))
    template.resource_count_is(
        "AWS::Lambda::Function",
        len([f for f in resources.FUNCTIONS if f.service == stack_class.service]),
    )


def test_every_stack_has_a_resource_so_cloudformation_accepts_it(
    templates: dict[str, Template],
) -> None:
    for service, template in templates.items():
        assert template.to_json().get("Resources"), f"{service} stack has no resources"


def test_no_stack_carries_an_error_annotation(app: cdk.App, assembly: cx_api.CloudAssembly) -> None:
    for owner in resources.OWNERS:
        stack = cdk.Stack.of(app.node.find_child(resources.stack_name(STAGE, owner)))
        assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []


def test_the_cli_finds_every_resource_name_in_the_stack_outputs(
    assembly: cx_api.CloudAssembly, tmp_path: Path
) -> None:
    cloudformation = _DeployedStacks(assembly)

    names = stack_outputs.discover(STAGE, cloudformation, tmp_path / "names.json")
    endpoints = {key: names.pop(key) for key in stack_outputs.ENDPOINT_OUTPUTS}

    # the chat API's management URL too, which `chat send` posts through on a deployed stage
    assert all(endpoints.values())
    assert names == {
        spec.logical: spec.physical_name(STAGE)
        for specs in (resources.TABLES, resources.QUEUES, resources.SECRETS, resources.FUNCTIONS)
        for spec in specs
    }


class _DeployedStacks:
    """describe_stacks as CloudFormation would answer it once the assembly is deployed."""

    def __init__(self, assembly: cx_api.CloudAssembly) -> None:
        self.outputs = {
            stack.stack_name: [
                {"OutputKey": key, "OutputValue": output["Value"]}
                for key, output in stack.template.get("Outputs", {}).items()
            ]
            for stack in assembly.stacks
        }

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": StackName, "Outputs": self.outputs[StackName]}]}


def test_stage_comes_from_context_before_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TCTFMSG_STAGE", "fromenv")

    assert stage_of(cdk.App(context={"stage": "fromcontext"})) == "fromcontext"
    assert stage_of(cdk.App()) == "fromenv"


def test_stage_defaults_to_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TCTFMSG_STAGE", raising=False)

    assert stage_of(cdk.App()) == "dev"


def test_a_stage_that_cannot_name_resources_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="stage"):
        build_app({"stage": "Prod_EU"})


def test_context_options_are_read_as_the_cdk_cli_writes_them() -> None:
    assert context_from_argv(["-c", "stage=qa", "--context", "bundling=skip"]) == {
        "stage": "qa",
        "bundling": "skip",
    }
    with pytest.raises(ConfigurationError):
        context_from_argv(["-c", "stage"])
