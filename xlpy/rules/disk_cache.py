"""Where compiled rule registers are kept on disk: the front end's setting, passed in, never read here.

A front end (the CLI, the server, the desktop xlwings scripts) reads its settings — the environment
through `xlpy.config.register_cache_dir` — and calls `set_directory` once; batch and server worker
processes are handed the same directory. Until then the user's cache, ``~/.cache/xlpy``, is used.
"""

from __future__ import annotations

from pathlib import Path

_chosen: list[Path | None] = []  # the front end's choice, once made (None: no disk cache); empty: the default


def default_directory() -> Path:
    """The user's cache: what a process uses when no front end said otherwise."""
    return Path.home() / ".cache" / "xlpy"


def set_directory(path: Path | None) -> None:
    """Use `path` for the compiled registers from now on; None: keep them in memory only."""
    _chosen[:] = [path]


def directory() -> Path | None:
    """The directory in use (None: no disk cache)."""
    return _chosen[0] if _chosen else default_directory()
