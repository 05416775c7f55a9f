"""What a Lambda handler module loads when a fresh interpreter imports it, as a new Lambda
instance does: for the bundle's contents and the cold start's weight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tctfmsg.core import resources

ROOT = Path(__file__).resolve().parents[2]
HANDLER_MODULES = sorted({spec.handler.split(":")[0] for spec in resources.FUNCTIONS})

# beyond what the interpreter had at start (this environment's .pth hooks are no part of a
# bundle)
_PROBE = """
import importlib, json, sys
before = set(sys.modules)
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def modules_loaded_by(handler_module: str) -> list[str]:
    ran = subprocess.run(
        [sys.executable, "-c", _PROBE, handler_module],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "TCTFMSG_TARGET": "aws",
            "AWS_DEFAULT_REGION": "eu-west-1",
        },
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    modules: list[str] = json.loads(ran.stdout)
    return modules
