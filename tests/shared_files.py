"""Files of the project's shared material (../shared beside the repository root: CI's clone has it there).

From a worktree the repository root's sibling is not there, so the main checkout's sibling is tried
too. A missing file skips the test on a developer machine but fails it in CI (CI=1): never silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    candidates = [ROOT.parent / "shared"]
    git = ROOT / ".git"
    if git.is_file():  # a worktree: ".git" reads "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text(encoding="utf-8").split(":", 1)[1].strip())
        candidates.append(gitdir.parents[2].parent / "shared")
    return next((c for c in candidates if c.is_dir()), None)


def shared_file(relative: str) -> Path:
    """../shared/<relative>, or skip (locally) / fail (in CI) saying what is missing."""
    base = shared_dir()
    path = base / relative if base else ROOT.parent / "shared" / relative
    if not path.is_file():
        reason = f"../shared/{relative} is missing (the shared material beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(reason + " — CI must check it out next to the repository")
        pytest.skip(reason)
    return path
