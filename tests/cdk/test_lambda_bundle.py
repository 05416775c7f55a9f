"""The Lambda bundle is locked and lean: the lock pins what the handlers import, and nothing of
the CLI, the embedded stack or the tests; its size is printed and kept under a budget."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import marshal
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from cdk.components.lambda_bundle import (
    BUDGET_BYTES,
    CLI_ONLY,
    LOCAL_ONLY,
    LOCK_FILE,
    distribution,
    lambda_requirements,
    locked_pins,
    shipped_files,
)
from tctfmsg.core import resources
from tests.support.handler_imports import HANDLER_MODULES, modules_loaded_by

NEVER_BUNDLED = {"pygments", "click", "pytest", "hypothesis", "mypy", "ruff", "aws-cdk-lib"}


@pytest.fixture(scope="module")
def imported() -> dict[str, list[str]]:
    return {module: modules_loaded_by(module) for module in HANDLER_MODULES}


def _distributions_of(modules: list[str]) -> set[str]:
    providers = importlib.metadata.packages_distributions()
    return {
        distribution(dist)
        for module in modules
        for dist in providers.get(module.split(".")[0], [])
        if distribution(dist) != "tctfmsg"
    }


def test_lock_pins_every_runtime_requirement_within_its_range() -> None:
    pins = locked_pins()

    for specifier in lambda_requirements():
        requirement = Requirement(specifier)
        name = distribution(requirement.name)
        assert name in pins, f"{name} is not locked: run scripts/lock-lambda-deps"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {specifier}"


def test_lock_pins_exact_versions_with_hashes_and_nothing_of_the_laptop() -> None:
    text = LOCK_FILE.read_text()
    pins = locked_pins()

    assert len(pins) == text.count("==")  # every requirement line is an exact pin
    assert text.count("--hash=sha256:") >= len(pins)
    assert not set(pins) & (LOCAL_ONLY | CLI_ONLY | NEVER_BUNDLED)


def test_handlers_import_only_what_the_lock_ships(imported: dict[str, list[str]]) -> None:
    pins = locked_pins()

    for handler, modules in imported.items():
        assert _distributions_of(modules) <= set(pins), handler
        ours = [m for m in modules if m.startswith(("tctfmsg.local", "tctfmsg.cli"))]
        assert ours == [], handler


def _imported_by_shipped_code() -> list[str]:
    """Every module the shipped code imports, at its top or on a path (a handler imports what
    only one route or a rare path needs where it is used, decision 0091)."""
    names = []
    for path in shipped_files():
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return names


def test_every_bundled_requirement_is_imported_by_the_shipped_code(
    imported: dict[str, list[str]],
) -> None:
    at_import = set().union(*(_distributions_of(modules) for modules in imported.values()))
    used = at_import | _distributions_of(_imported_by_shipped_code())

    unused = {distribution(Requirement(s).name) for s in lambda_requirements()} - used
    assert unused == set()


def _bytecode_size(source: Path) -> int:
    """The size of the .pyc the bundler's compileall writes for a module (16-byte header)."""
    code = compile(source.read_bytes(), str(source), "exec", dont_inherit=True)
    return 16 + len(marshal.dumps(code))


def test_each_functions_bundle_is_under_its_budget(capsys: pytest.CaptureFixture[str]) -> None:
    # Measured from this environment's wheels of the locked distributions and its bytecode of
    # them: the Lambda's own (arm64, its Python) differ by a few percent (0088 has both).
    library = 0
    for path in shipped_files():
        library += path.stat().st_size + (_bytecode_size(path) if path.suffix == ".py" else 0)
    dependencies = 0
    for name in locked_pins():
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            if "__pycache__" in file.parts:
                continue
            dependencies += file.size or 0
            bytecode = Path(importlib.util.cache_from_source(str(dist.locate_file(file))))
            if file.suffix == ".py" and bytecode.is_file():
                dependencies += bytecode.stat().st_size
    size = library + dependencies

    with capsys.disabled():
        for spec in resources.FUNCTIONS:  # every function ships the one shared asset
            print(f"\nbundle {spec.logical}: {size / 1e6:.1f} MB unpacked", end="")
        print(f"\n  library {library / 1e6:.1f} MB, dependencies {dependencies / 1e6:.1f} MB")
    assert size <= BUDGET_BYTES
    assert library < 5_000_000  # the packages alone: templates and code, no stray data
