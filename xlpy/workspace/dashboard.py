"""The dashboard's data: every agency of a region with its status, last submission, deadline and indicators."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from xlpy.workspace import indicators, status
from xlpy.workspace.options import Options
from xlpy.workspace.store import Store, region_of


def region(
    store: Store,
    root: str,
    year: int,
    *,
    options: Options | None = None,
    config: Any = None,
    today: date | None = None,
    with_indicators: bool = True,
) -> dict[str, Any]:
    """One row per agency of `root`'s region (root first, then depth-first), with counts per status.

    Without indicators (the dashboard's status table) each row's `indicators` is empty and nothing is ranked.
    """
    options = options or Options()
    today = today or date.today()
    found = store.region_rows(year, indicators=with_indicators)
    by_id = {r["id"]: r for r in found}
    ids = region_of(((r["id"], r["parent_id"]) for r in found), root)
    held = status.latest_decisions(store.decisions(year, ids))
    decided = {key[0] for key in held}  # only these agencies' open warnings are decoded
    specs = options.indicator_specs()
    keys = indicators.term_keys(specs)
    labels = status.labels()
    deadlines: dict[str, tuple[str | None, int | None]] = {}  # 机关类型 → (D-1 deadline, days left)
    rows = []
    for aid in ids:
        a = by_id[aid]
        sub = None
        if a["submission_id"] is not None:
            opened = json.loads(a["open_warnings"]) if aid in decided else None
            sub = {"id": a["submission_id"], "agency_id": aid, "errors": a["errors"], "warnings": a["warnings"]}
            sub["open_warnings"], sub["final_ok"] = opened, bool(a["final_ok"])
        state, counts = status.status_of(sub, held)
        org_type = a["org_type"]
        if org_type not in deadlines:
            deadline = _deadline(org_type, year, config)
            deadlines[org_type] = (deadline.isoformat(), (deadline - today).days) if deadline else (None, None)
        due, days_left = deadlines[org_type]
        rows.append(
            {
                "id": aid,
                "name": a["name"],
                "org_type": org_type,
                "parent_id": a["parent_id"],
                "status": state,
                "status_label": labels[state],
                **counts,
                "submission_id": a["submission_id"],
                "submitted_at": _iso(a["submitted_at"]) if sub else None,
                "submitted_by": a["submitted_by"],
                "deadline": due,
                "days_left": days_left,
                "indicators": indicators.from_terms(a, keys) if sub and with_indicators else {},
            }
        )
    if with_indicators:
        indicators.rank(rows, specs)
    totals = {s: 0 for s in labels}
    for r in rows:
        totals[r["status"]] += 1
    done = totals["passed"] + totals["published"]
    return {
        "root": root,
        "year": year,
        "statuses": labels,
        "counts": totals,
        "progress": {"done": done, "total": len(rows), "percent": round(100 * done / len(rows), 1) if rows else 0},
        "indicator_specs": [{k: s[k] for k in ("id", "label", "description", "better")} for s in specs],
        "agencies": rows,
    }


def _iso(value: str) -> str:
    """A stored UTC timestamp ("YYYY-MM-DD HH:MM:SS.ffffff", Store.region_rows) in ISO 8601."""
    return value.replace(" ", "T", 1) + "+00:00"


def _deadline(org_type: str, year: int, config: Any) -> date | None:
    """D-1: the publication deadline of a 机关类型, in the year after the report year (config first)."""
    from xlpy.schema import org_types

    mmdd = config.deadline(org_type) if config is not None else (org_types().get(org_type) or {}).get("deadline")
    if not mmdd:
        return None
    month, day = (int(x) for x in mmdd.split("-"))
    return date(year + 1, month, day)
