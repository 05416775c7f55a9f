"""A handler's cold start imports only what every invocation of it needs (issue 16, decision
0091): what a single route or a rare path uses is imported there. Each handler is imported in
a fresh interpreter, as a Lambda instance would, and the modules it loaded are checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tctfmsg.core import resources

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted({spec.handler.split(":")[0] for spec in resources.FUNCTIONS})
# Loaded by no handler at import: boto3 comes with the first client, pydantic-settings never,
# the rest on the path that uses it (an HTTP provider's send, an address off the plain path,
# a webhook's signature, a token sealed or opened, a message rendered or formatted).
NEVER_AT_IMPORT = {"boto3", "pydantic_settings", "requests", "email_validator", "babel"}
# The webhook handler verifies a signature on every SendGrid request; nothing else needs it.
CRYPTOGRAPHY_AT_IMPORT = {"lambdas.campaigns.provider_webhooks"}
_REPORT = (
    "import importlib, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
)


def _loaded_by(module: str) -> set[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "TCTFMSG_TARGET": "aws",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    ran = subprocess.run(
        [sys.executable, "-c", _REPORT, module],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return set(json.loads(ran.stdout))


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_cold_start_leaves_out_what_only_other_paths_use(handler: str) -> None:
    loaded = _loaded_by(handler)

    assert not loaded & NEVER_AT_IMPORT
    assert ("cryptography" in loaded) == (handler in CRYPTOGRAPHY_AT_IMPORT)
