"""The Excel adapter: xlwings scripts behind the Excel buttons, the workbook view they read through, payloads.

xlwings' remote engine and `xlwings.server` are licensed PolyForm Noncommercial 1.0.0 (or
commercially); government institutions are a permitted purpose. `ensure_license()` supplies the
noncommercial key only when the deployment set none, so a commercial key always wins.
"""

from __future__ import annotations

import os
from pathlib import Path

LICENSE_ENV = "XLWINGS_LICENSE_KEY"
NONCOMMERCIAL = "noncommercial"


def ensure_license() -> None:
    """Set XLWINGS_LICENSE_KEY=noncommercial unless a key is already configured (call before importing xlwings)."""
    if os.environ.get(LICENSE_ENV) or _user_config_has_key():
        return
    os.environ[LICENSE_ENV] = NONCOMMERCIAL


def _user_config_has_key() -> bool:
    # xlwings also reads a key from ~/.xlwings/xlwings.conf; a key there must win as well.
    conf = Path.home() / ".xlwings" / "xlwings.conf"
    try:
        return any(line.startswith('"LICENSE_KEY"') for line in conf.read_text(encoding="utf-8").splitlines())
    except OSError:
        return False
