"""An agency's versions: what changed in 表二/三/四 between two submissions."""

from __future__ import annotations

from typing import Any

from xlpy.schema import fields, lookup


def diff(old: dict[str, Any], new: dict[str, Any], version: str) -> list[dict[str, Any]]:
    """Every figure of 表二/三/四 whose value differs: {path, label, old, new}, in schema order."""
    out = []
    for path, f in fields(version).items():
        if not path.startswith(("s2.", "s3.", "s4.")) or not f.is_number:
            continue
        before, after = lookup(old, path), lookup(new, path)
        if before != after:
            out.append({"path": path, "label": f.label, "old": before, "new": after})
    return out
