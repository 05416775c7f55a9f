"""The Lambda code asset: the handlers' locked dependencies and the library, bundled without Docker.

CDK asks `LocalPipBundling.try_bundle` first; it runs `pip install --target` of the lock file
(`requirements/lambda.txt`, hashes required, no resolution at synth time) for the Lambda's
platform (wheels only, so nothing is compiled for the wrong machine) and copies the packages in,
without the embedded stack and the CLI (`lambda_bundle.NOT_SHIPPED`). Then, with the runtime's
own Python (`python3.14` on PATH), it compiles everything to bytecode that is valid without
checking the sources (unchecked-hash: the asset zip does not keep modification times), because
/var/task is read-only and an uncompiled bundle is compiled again on every cold start (decision
0088). Without that interpreter it says so and ships sources only. Docker is only the fallback
CDK requires a recipe for; it runs the same steps.

Context `bundling=skip` (the CDK tests use it) makes an asset of the source alone: no pip, no
network, same handler paths. Never deploy such an asset: its dependencies are missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk.components.lambda_bundle import (
    LOCK_FILE,
    NOT_SHIPPED,
    PACKAGES,
    REPO_ROOT,
    shipped_files,
)

_PIP_PLATFORMS = {
    "arm64": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
    "x86_64": ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
}
_LOCK = LOCK_FILE.relative_to(REPO_ROOT).as_posix()
# Everything but the shipped packages and the lock (whose pins change the bundle).
ASSET_EXCLUDE = [
    "*",
    ".*",
    *(f"!{package}" for package in PACKAGES),
    *(f"!{package}/**" for package in PACKAGES),
    f"!{Path(_LOCK).parent.as_posix()}",
    f"!{_LOCK}",
    *(pattern for part in NOT_SHIPPED for pattern in (part, f"{part}/**")),
    "**/__pycache__",
    "**/*.pyc",
]
SKIP = "skip"

Runner = Callable[..., Any]
Finder = Callable[[str], str | None]


def without_bytecode(python_version: str) -> str:
    """The one line the bundler prints when it cannot compile the bundle."""
    return (
        f"warning: building the Lambda bundle WITHOUT bytecode: python{python_version} is not "
        f"on PATH, so every cold start compiles what it imports (install Python "
        f"{python_version} where you synthesize; decision 0088)"
    )


def compile_arguments(target: str) -> list[str]:
    """compileall for the runtime's Python: bytecode trusted without the sources' mtimes."""
    return ["-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", target]


def lambda_code(
    scope: Construct, runtime: lambda_.Runtime, architecture: lambda_.Architecture
) -> lambda_.Code:
    if scope.node.try_get_context("bundling") == SKIP:
        return lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE)
    local = LocalPipBundling(
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


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    def __init__(
        self,
        *,
        platforms: Sequence[str],
        python_version: str,
        source: Path = REPO_ROOT,
        run: Runner = subprocess.run,
        find_python: Finder = shutil.which,
    ) -> None:
        self.platforms = list(platforms)
        self.python_version = python_version
        self.source = source
        self._run = run
        self._find_python = find_python

    def pip_arguments(self, target: str, lock: str) -> list[str]:
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
            "--no-deps",  # the lock is the whole closure: nothing is resolved at synth time
            "--require-hashes",
            "--requirement",
            lock,
        ]

    def try_bundle(self, output_dir: str, options: BundlingOptions | None = None) -> bool:
        # jsii hands the options over as one positional struct, not as keyword arguments.
        lock = str(self.source / _LOCK)
        self._run([sys.executable, "-m", "pip", *self.pip_arguments(output_dir, lock)], check=True)
        shutil.rmtree(Path(output_dir) / "bin", ignore_errors=True)  # console scripts: unused
        for path in shipped_files(self.source):
            copy = Path(output_dir) / path.relative_to(self.source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        self._compile(output_dir)
        return True

    def _compile(self, output_dir: str) -> None:
        runtime_python = self._find_python(f"python{self.python_version}")
        if runtime_python is None:
            print(without_bytecode(self.python_version), file=sys.stderr)
            return
        self._run([runtime_python, *compile_arguments(output_dir)], check=True)

    def docker_script(self) -> str:
        arguments = self.pip_arguments("/asset-output", f"/asset-input/{_LOCK}")
        pip = " ".join(f"'{arg}'" for arg in arguments)
        # /asset-input is the asset's source, already filtered by ASSET_EXCLUDE.
        copies = " ".join(f"/asset-input/{package}" for package in PACKAGES)
        compile_all = " ".join(compile_arguments("/asset-output"))
        # The bundling image's python is the runtime's.
        return f"pip {pip} && cp -r {copies} /asset-output/ && python {compile_all}"
