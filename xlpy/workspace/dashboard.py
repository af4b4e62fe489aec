"""The dashboard's data: every agency of a region with its status, last submission, deadline and indicators."""

from __future__ import annotations

from datetime import date
from typing import Any

from xlpy.workspace import indicators, status
from xlpy.workspace.options import Options
from xlpy.workspace.store import Store


def region(
    store: Store, root: str, year: int, *, options: Options | None = None, config: Any = None, today: date | None = None
) -> dict[str, Any]:
    """One row per agency of `root`'s region (root first, then depth-first), with counts per status."""
    options = options or Options()
    today = today or date.today()
    ids = store.scope(root)
    agencies = {a["id"]: a for a in store.agencies()}
    current = store.current(year, ids)
    measures = store.current_measures(year, ids)
    held = status.latest_decisions(store.decisions(year, ids))
    specs = options.indicator_specs()
    labels = status.labels()
    rows = []
    for aid in ids:
        a = agencies[aid]
        sub = current.get(aid)
        state, counts = status.status_of(sub, held)
        deadline = _deadline(a["org_type"], year, config)
        rows.append(
            {
                "id": aid,
                "name": a["name"],
                "org_type": a["org_type"],
                "parent_id": a["parent_id"],
                "status": state,
                "status_label": labels[state],
                **counts,
                "submission_id": sub["id"] if sub else None,
                "submitted_at": sub["submitted_at"].isoformat() if sub else None,
                "submitted_by": sub["submitted_by"] if sub else None,
                "deadline": deadline.isoformat() if deadline else None,
                "days_left": (deadline - today).days if deadline else None,
                "indicators": indicators.compute(measures[aid]["measures"], specs) if aid in measures else {},
            }
        )
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


def _deadline(org_type: str, year: int, config: Any) -> date | None:
    """D-1: the publication deadline of a 机关类型, in the year after the report year (config first)."""
    from xlpy.schema import org_types

    mmdd = config.deadline(org_type) if config is not None else (org_types().get(org_type) or {}).get("deadline")
    if not mmdd:
        return None
    month, day = (int(x) for x in mmdd.split("-"))
    return date(year + 1, month, day)
