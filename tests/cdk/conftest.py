"""The app is synthesized once per test session, offline: no bundling, no AWS account."""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template

from cdk.app import build_app
from tctfmsg.core import resources

STAGE = "test"
OFFLINE = {"stage": STAGE, "bundling": "skip"}


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> cdk.App:
    return build_app(OFFLINE, outdir=str(tmp_path_factory.mktemp("cdk.out")))


@pytest.fixture(scope="session")
def assembly(app: cdk.App) -> cx_api.CloudAssembly:
    return app.synth()  # raises if cdk-nag finds an unacknowledged error


@pytest.fixture(scope="session")
def templates(assembly: cx_api.CloudAssembly) -> dict[str, Template]:
    """The template of each owner's stack: the shared one and one per service."""
    return {
        owner: Template.from_json(
            assembly.get_stack_by_name(resources.stack_name(STAGE, owner)).template
        )
        for owner in resources.OWNERS
    }
