"""Shipped templates, and a scratch copy of templates/ that a test may break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.store import TEMPLATES_DIR

ASSETS = "https://assets.test"


@pytest.fixture(scope="session")
def files() -> FileTemplateStore:
    return FileTemplateStore(TEMPLATES_DIR)


@pytest.fixture(scope="session")
def renderer(files: FileTemplateStore) -> Renderer:
    return Renderer(files, load_registry(), files.design(), {"asset_base_url": ASSETS})


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root, ignore=shutil.ignore_patterns("assets"))
    return root
