"""What a Lambda bundle holds: the handlers' locked dependencies and the library without its
laptop-only parts. No aws_cdk import, so the lock script and the bench can read it cheaply.

The lock (`requirements/lambda.txt`) is made by `scripts/lock-lambda-deps` with uv, which
resolves for the Lambda's Python and platform rather than the machine it runs on (decision 0088).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCK_FILE = REPO_ROOT / "requirements" / "lambda.txt"
# The packages, and the templates tctfmsg.rendering reads from beside them.
PACKAGES = ("tctfmsg", "lambdas", "templates")
# Parts of the library no handler imports: the embedded stack, the CLI, and the CLI's samples.
NOT_SHIPPED = ("tctfmsg/local", "tctfmsg/cli", "tctfmsg/samples", "tctfmsg/__main__.py")
# Dependencies only the laptop needs: the embedded stack's AWS emulator, the Handlebars it
# renders SES-hosted templates with (0084), its WebSocket gateway.
LOCAL_ONLY = frozenset({"moto", "pybars3", "websockets"})
# The admin CLI's own libraries.
CLI_ONLY = frozenset({"typer", "rich"})
# A bundle over this, unpacked with its bytecode, fails the test that measures it (Lambda's
# limit is 250 MB; today about 107 MB on arm64, a third of it babel's locale data).
BUDGET_BYTES = 120_000_000

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def lambda_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The library's own dependency specifiers, minus what only the laptop and the CLI use."""
    declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [spec for spec in declared if distribution(spec) not in LOCAL_ONLY | CLI_ONLY]


def distribution(specifier: str) -> str:
    """The normalized distribution name of a requirement specifier (PEP 503)."""
    name = re.split(r"[\s\[<>=!~;]", specifier, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_pins(lock: Path = LOCK_FILE) -> dict[str, str]:
    """Every distribution the lock pins, with its version."""
    pins = {}
    for line in lock.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            pins[distribution(match.group(1))] = match.group(2)
    return pins


def shipped(relative: Path) -> bool:
    """Whether a file of the packages (path relative to the repository) goes into the bundle."""
    text = relative.as_posix()
    if "__pycache__" in relative.parts or text.endswith(".pyc"):
        return False
    return not any(text == part or text.startswith(f"{part}/") for part in NOT_SHIPPED)


def shipped_files(source: Path = REPO_ROOT) -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((source / package).rglob("*")):
            if path.is_file() and shipped(path.relative_to(source)):
                yield path
