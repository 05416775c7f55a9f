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
# What a stage other than dev must decide (cdk/components/stage_config.py): the test stage's
# concurrency differs from the spec's, so the tests see that the stage's reaches the template.
STAGE_SETTINGS = {"sender": "News <news@example.com>", "asset_base_url": "https://cdn.example.com"}
CONCURRENCY = {"campaign_consumer": 4, "notification_worker": 3}
# Every API's rate and burst, each unlike its component's default (so the stage's is seen).
THROTTLING = {
    "campaign_api": {"rate": 11, "burst": 22},
    "notification_api": {"rate": 33, "burst": 44},
    "campaigns_public": {"rate": 55, "burst": 66},
    "chat_websocket": {"rate": 77, "burst": 88},
}
OFFLINE = {
    "stage": STAGE,
    "bundling": "skip",
    "settings": STAGE_SETTINGS,
    "alarm_email": "ops@example.com",
    "concurrency": CONCURRENCY,
    "throttling": THROTTLING,
}


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
