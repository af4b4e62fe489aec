"""An agency name (机关名称) as a matching key: the one comparison batch, the workspace and the C-6 rule share."""

from __future__ import annotations

import re
from typing import Any

# Clerks type either width of bracket: 北京市（朝阳区） and 北京市(朝阳区) are one agency.
_BRACKETS = str.maketrans("（）【】［］", "()[][]")


def agency_key(name: Any) -> str:
    """An agency name for matching: no spaces, full-width brackets unified; "" for a missing name."""
    if not isinstance(name, str):
        return ""
    return re.sub(r"\s+", "", name.translate(_BRACKETS))
