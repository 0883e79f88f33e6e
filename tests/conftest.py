"""Shared fixtures. ``shared/`` (read-only reference material) lies beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotage.store import Workspace

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared/ not found beside the repository at {SHARED}")
    return SHARED


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")
