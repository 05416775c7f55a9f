"""The shared Lambda construct, synthesized offline inside a real service stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from cdk.components.bundling import _PIP_PLATFORMS
from cdk.components.nag import apply_checks
from cdk.components.python_function import ARCHITECTURE, RUNTIME, PythonFunction
from cdk.stacks import CampaignsStack

from .conftest import OFFLINE, STAGE


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> cdk.App:
    app = cdk.App(context=OFFLINE, outdir=str(tmp_path_factory.mktemp("fn.out")))
    stack = CampaignsStack(app, stage=STAGE)
    consumer = PythonFunction(
        stack,
        "Consumer",
        handler="lambdas.campaigns.consumer:handler",
        service="campaigns",
        stage=STAGE,
        function_name="tctfmsg-test-probe-consumer",
        reserved_concurrency=20,
    )
    consumer.consume(stack.resources.queues["delivery"], batch_size=5, max_concurrency=10)
    PythonFunction(
        stack,
        "Traced",
        handler="lambdas.probe.handler",
        service="campaigns",
        stage=STAGE,
        tracing=True,
    )
    apply_checks(app)
    return app


@pytest.fixture(scope="module")
def assembly(app: cdk.App) -> cx_api.CloudAssembly:
    return app.synth()


@pytest.fixture(scope="module")
def functions(assembly: cx_api.CloudAssembly) -> dict[str, Any]:
    template = Template.from_json(assembly.stacks[0].template)
    return {
        props["Properties"]["Handler"].split(".")[-2]: props
        for props in template.find_resources("AWS::Lambda::Function").values()
    }


def test_function_runs_the_runtime_and_machine_the_bundle_is_built_for(
    functions: dict[str, Any],
) -> None:
    props = functions["consumer"]["Properties"]

    assert props["Runtime"] == RUNTIME.name
    assert props["Architectures"] == [ARCHITECTURE.name]
    arch = {"arm64": "aarch64", "x86_64": "x86_64"}[ARCHITECTURE.name]
    assert all(platform.endswith(arch) for platform in _PIP_PLATFORMS[ARCHITECTURE.name])


def test_function_has_its_name_and_a_handler_path_lambda_understands(
    functions: dict[str, Any],
) -> None:
    props = functions["consumer"]["Properties"]

    assert props["FunctionName"] == "tctfmsg-test-probe-consumer"
    assert props["Handler"] == "lambdas.campaigns.consumer.handler"


def test_function_environment_configures_powertools_and_settings(
    functions: dict[str, Any],
) -> None:
    env = functions["consumer"]["Properties"]["Environment"]["Variables"]

    assert env == {
        "POWERTOOLS_SERVICE_NAME": "campaigns",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "LOG_LEVEL": "INFO",
        "TCTFMSG_TARGET": "aws",
        "TCTFMSG_STAGE": STAGE,
    }


def test_tracing_is_off_unless_asked_for(functions: dict[str, Any]) -> None:
    assert "TracingConfig" not in functions["consumer"]["Properties"]
    traced = functions["probe"]["Properties"]
    assert traced["TracingConfig"] == {"Mode": "Active"}
    assert traced["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "false"


def test_function_logs_to_its_own_group_under_a_role_that_writes_only_there(
    assembly: cx_api.CloudAssembly, functions: dict[str, Any]
) -> None:
    resources = assembly.stacks[0].template["Resources"]
    props = functions["consumer"]["Properties"]
    group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    role_id = props["Role"]["Fn::GetAtt"][0]

    assert resources[group_id]["Properties"]["RetentionInDays"] == 30
    assert "ManagedPolicyArns" not in resources[role_id]["Properties"]
    statements = [
        statement
        for policy in resources.values()
        if policy["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    log_statements = [s for s in statements if "logs:PutLogEvents" in s["Action"]]
    assert log_statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [group_id, "Arn"]},
        }
    ]


def test_concurrency_knobs_reach_the_function_and_its_queue_mapping(
    assembly: cx_api.CloudAssembly, functions: dict[str, Any]
) -> None:
    template = Template.from_json(assembly.stacks[0].template)

    assert functions["consumer"]["Properties"]["ReservedConcurrentExecutions"] == 20
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 5,
            "ScalingConfig": {"MaximumConcurrency": 10},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_offline_code_asset_holds_the_packages_and_nothing_else(
    assembly: cx_api.CloudAssembly,
) -> None:
    assets = [p for p in Path(assembly.directory).glob("asset.*") if p.is_dir()]

    assert len(assets) == 1  # every function of the app shares one asset
    assert sorted(p.name for p in assets[0].iterdir()) == [
        "lambdas",
        "requirements",
        "tctfmsg",
        "templates",
    ]
    assert (assets[0] / "tctfmsg" / "core" / "resources.py").is_file()
    assert not (assets[0] / "tctfmsg" / "local").exists()
    assert not (assets[0] / "tctfmsg" / "cli").exists()
    assert (assets[0] / "templates" / "registry.toml").is_file()
    assert not list(assets[0].rglob("__pycache__"))


def test_a_stack_with_functions_passes_the_aws_solutions_checks(app: cdk.App) -> None:
    report = AwsSolutionsChecks(app).validate_scope(app)

    assert [v.rule_name for v in report.violations if v.severity == "error"] == []
