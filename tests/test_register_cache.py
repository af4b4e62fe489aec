"""The compiled registers' disk cache: a directory the front ends choose from their settings and pass to the core."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from xlpy.config import register_cache_dir
from xlpy.rules import disk_cache

EXAMPLE = Path(__file__).resolve().parent.parent / "workbook" / "examples" / "huaian-2024.xlsx"


@pytest.fixture
def restored() -> Iterator[None]:
    """The test process's own choice is put back afterwards (other tests share the process)."""
    before = disk_cache.directory()
    yield
    disk_cache.set_directory(before)


def test_the_environment_as_the_front_ends_read_it(tmp_path: Path) -> None:
    assert register_cache_dir({"XLPY_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert register_cache_dir({"XLPY_CACHE_DIR": ""}) is None  # empty: no disk cache
    assert register_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "xlpy"
    assert register_cache_dir({"XLPY_CACHE_DIR": str(tmp_path / "a"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "a"
    assert register_cache_dir({}) == Path.home() / ".cache" / "xlpy" == disk_cache.default_directory()


def test_the_cli_reads_it_and_an_empty_one_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XLPY_CACHE_DIR": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.run(
        [sys.executable, "-m", "xlpy", "validate", str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.rglob("*.pickle")) == []
    env["XLPY_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "-m", "xlpy", "rules", "--format", "json"], capture_output=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert {p.parent.name for p in tmp_path.rglob("*.pickle")} == {"cache"}  # one register per format version


def test_batch_workers_are_handed_the_front_ends_directory(tmp_path: Path, restored: None) -> None:
    from xlpy.batch_worker import Options, init_worker

    disk_cache.set_directory(tmp_path / "chosen")
    options = Options(outdir=tmp_path)
    assert options.register_cache == tmp_path / "chosen"  # what the command chose, sent to each worker
    disk_cache.set_directory(None)  # a spawned worker starts with the default …
    init_worker(options)
    assert disk_cache.directory() == tmp_path / "chosen"  # … and takes the command's


def test_the_server_takes_it_from_its_settings(tmp_path: Path, restored: None) -> None:
    from xlpy.errors import InputError
    from xlpy.server import create_app
    from xlpy.server.settings import Settings, load_settings

    assert Settings().register_cache == disk_cache.default_directory()
    settings = load_settings(environ={"XLPY_CACHE_DIR": str(tmp_path)})
    assert settings.register_cache == tmp_path
    assert load_settings(environ={"XLPY_CACHE_DIR": ""}).register_cache is None
    create_app(settings, executor="threads")
    assert disk_cache.directory() == tmp_path
    toml = tmp_path / "xlpy.toml"
    toml.write_text('[server]\nregister_cache = "/tmp/x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="未知的设置项：register_cache"):
        load_settings(toml, environ={})  # the environment's setting, as for the CLI; not the file's
