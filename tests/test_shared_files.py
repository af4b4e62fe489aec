"""The shared material (../shared) is found from the main checkout and from a worktree; missing fails in CI."""

from __future__ import annotations

import pytest

from tests.shared_files import shared_dir, shared_file


def test_the_seed_report_is_found_beside_the_repository() -> None:
    base = shared_dir()
    if base is None:
        shared_file("examples/beigou-2020-report.txt")  # skips locally, fails in CI
    assert shared_file("examples/beigou-2020-report.txt").read_text(encoding="utf-8").strip()


def test_a_missing_shared_file_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI must"):
        shared_file("examples/no-such-file.txt")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        shared_file("examples/no-such-file.txt")
