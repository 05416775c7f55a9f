"""The Lambda code asset: `tctfmsg` and `lambdas` with their dependencies, bundled without Docker.

CDK asks `LocalPipBundling.try_bundle` first; it runs `pip install --target` for the Lambda's
platform (wheels only, so nothing is compiled for the wrong machine) and copies the packages in.
Docker is only the fallback CDK requires a recipe for; it runs the same two steps.

Context `bundling=skip` (the CDK tests use it) makes an asset of the source alone: no pip, no
network, same handler paths. Never deploy such an asset: its dependencies are missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parents[2]
# The packages, and the templates tctfmsg.rendering reads from beside them.
PACKAGES = ("tctfmsg", "lambdas", "templates")
# Dependencies of the library that only the laptop needs: the embedded stack's AWS emulator and
# the Handlebars it renders SES-hosted templates with (decision 0084).
LOCAL_ONLY = frozenset({"moto", "pybars3"})
_PIP_PLATFORMS = {
    "arm64": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
    "x86_64": ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
}
# Everything but the packages and pyproject.toml (whose dependencies change the bundle).
ASSET_EXCLUDE = [
    "*",
    ".*",
    *(f"!{package}" for package in PACKAGES),
    *(f"!{package}/**" for package in PACKAGES),
    "!pyproject.toml",
    "**/__pycache__",
    "**/*.pyc",
]
SKIP = "skip"

Runner = Callable[..., Any]


def lambda_code(
    scope: Construct, runtime: lambda_.Runtime, architecture: lambda_.Architecture
) -> lambda_.Code:
    if scope.node.try_get_context("bundling") == SKIP:
        return lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE)
    local = LocalPipBundling(
        requirements=lambda_requirements(),
        platforms=_PIP_PLATFORMS[architecture.name],
        python_version=runtime.name.removeprefix("python"),
    )
    return lambda_.Code.from_asset(
        str(REPO_ROOT),
        exclude=ASSET_EXCLUDE,
        bundling=BundlingOptions(
            image=runtime.bundling_image,
            # jsii's stub types try_bundle with keyword arguments; the runtime passes one struct.
            local=cast(ILocalBundling, local),
            command=["bash", "-c", local.docker_script()],
        ),
    )


def lambda_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The library's own dependency specifiers, minus what only runs on a laptop."""
    declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [spec for spec in declared if _distribution(spec) not in LOCAL_ONLY]


def _distribution(specifier: str) -> str:
    return re.split(r"[\s\[<>=!~;]", specifier, maxsplit=1)[0].lower().replace("_", "-")


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    def __init__(
        self,
        *,
        requirements: Sequence[str],
        platforms: Sequence[str],
        python_version: str,
        source: Path = REPO_ROOT,
        run: Runner = subprocess.run,
    ) -> None:
        self.requirements = list(requirements)
        self.platforms = list(platforms)
        self.python_version = python_version
        self.source = source
        self._run = run

    def pip_arguments(self, target: str) -> list[str]:
        platforms = [arg for platform in self.platforms for arg in ("--platform", platform)]
        return [
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",  # the build machine's bytecode would not match the runtime's Python
            "--target",
            target,
            *platforms,
            "--implementation",
            "cp",
            "--python-version",
            self.python_version,
            "--only-binary=:all:",
            *self.requirements,
        ]

    def try_bundle(self, output_dir: str, options: BundlingOptions | None = None) -> bool:
        # jsii hands the options over as one positional struct, not as keyword arguments.
        self._run([sys.executable, "-m", "pip", *self.pip_arguments(output_dir)], check=True)
        shutil.rmtree(Path(output_dir) / "bin", ignore_errors=True)  # console scripts: unused
        for package in PACKAGES:
            shutil.copytree(
                self.source / package,
                Path(output_dir) / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )
        return True

    def docker_script(self) -> str:
        pip = " ".join(f"'{arg}'" for arg in self.pip_arguments("/asset-output"))
        copies = " ".join(f"/asset-input/{package}" for package in PACKAGES)
        return f"pip {pip} && cp -r {copies} /asset-output/"
