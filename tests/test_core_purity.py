"""Pure core, thin adapters: reading, validation and rendering work with xlwings, FastAPI and uvicorn absent,
and never read the environment (the front ends read it and pass what they found)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbook" / "examples" / "huaian-2024.xlsx"
# The front ends: they read the environment and hand the core what they found (settings, Config, paths).
FRONT_ENDS = ("cli.py", "__main__.py", "argparse_zh.py", "commands", "server", "excel")
# What reads the process environment: os.environ and friends, and expandvars ($VAR in a path).
ENV_READERS = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv", "expandvars"}

SCRIPT = """
import os, sys
for blocked in ("xlwings", "fastapi", "starlette", "uvicorn", "rich"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
from xlpy.config import Config
from xlpy.reader import read_workbook
from xlpy.validate import validate
from xlpy.verdict import check
from xlpy.render import render
from xlpy.workbook import build_workbook
from xlpy.annotate import annotate_bytes
os.environ["XLPY_CONFIG"] = "/nonexistent/xlpy.toml"  # the core must not look: it would fail to load
# Nor at the register cache settings: the core's default is the user's cache under $HOME (set below).
os.environ["XLPY_CACHE_DIR"] = sys.argv[2]
os.environ["XDG_CACHE_HOME"] = sys.argv[3]
data = read_workbook(sys.argv[1])
report = validate(data, config=Config())
verdict = check(sys.argv[1], config=Config())
out = verdict.render(("md", "html", "docx", "json"))
build_workbook(2024)
annotate_bytes(open(sys.argv[1], "rb").read(), verdict, name="x.xlsx")
print(verdict.exit_code, report.final_ok, sorted(out))
"""


def test_core_runs_without_adapter_libraries(tmp_path: Path) -> None:
    env_cache, xdg, home = tmp_path / "env-cache", tmp_path / "xdg", tmp_path / "home"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(EXAMPLE), str(env_cache), str(xdg)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 True ['docx', 'html', 'json', 'md']"
    # The compiled register went to the core's default (no front end set one), not where the environment says.
    assert list((home / ".cache" / "xlpy").glob("register-2021-*.pickle"))
    assert not env_cache.exists() and not xdg.exists()


def _core_modules() -> list[Path]:
    package = ROOT / "xlpy"
    return [
        p
        for p in sorted(package.rglob("*.py"))
        if p.relative_to(package).parts[0] not in FRONT_ENDS and "__pycache__" not in p.parts
    ]


def _env_reads(source: str) -> list[int]:
    """Lines of a module that read the environment (os.environ, getenv, `from os import environ` …)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ENV_READERS:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "os.path", "posix"):
            lines += [node.lineno for alias in node.names if alias.name in ENV_READERS]
    return lines


def test_the_core_never_reads_the_environment() -> None:
    modules = _core_modules()
    assert len(modules) > 100 and ROOT / "xlpy" / "rules" / "register.py" in modules
    found = {str(p.relative_to(ROOT)): lines for p in modules if (lines := _env_reads(p.read_text(encoding="utf-8")))}
    assert found == {}, f"the environment read outside the front ends ({', '.join(FRONT_ENDS)}): {found}"


def test_the_environment_check_can_fail() -> None:
    """The scan sees each way in (a check that cannot fail proves nothing)."""
    assert _env_reads("import os\nroot = os.environ.get('XLPY_CACHE_DIR')\n") == [2]
    assert _env_reads("import os\nos.getenv('HOME')\n") == [2]
    assert _env_reads("from os import environ, path\n") == [1]
    assert _env_reads("import os.path\nos.path.expandvars('$HOME')\n") == [2]
    assert _env_reads("import os\nos.replace('a', 'b')\n") == []
