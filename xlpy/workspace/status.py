"""An agency's status for a year (未提交/未通过/待说明/已通过/已发布) from its current submission and decisions."""

from __future__ import annotations

from typing import Any

from xlpy.resources import load_json

CONFIRM, ACCEPT, PUBLISH = "确认", "驳回", "发布"
PUBLISH_RULE = "发布"  # decisions with this rule are publication marks, not findings


def labels() -> dict[str, str]:
    """status id → Chinese label, in dashboard order."""
    return {s["id"]: s["label"] for s in load_json("workspace.json")["statuses"]}


def latest_decisions(decisions: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(agency, rule, location) → the decision that holds (the last one made)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for d in decisions:  # oldest first
        out[(d["agency_id"], d["rule"], d["location"])] = d
    return out


def status_of(
    current: dict[str, Any] | None, held: dict[tuple[str, str, str], dict[str, Any]]
) -> tuple[str, dict[str, int]]:
    """(status id, counts) where counts = errors, open warnings, accepted (驳回), confirmed (确认).

    `current["open_warnings"]` may be None when no decision concerns the agency (the dashboard then skips
    decoding the list): its `warnings` count is all that matters.
    """
    counts = {"errors": 0, "warnings": 0, "accepted": 0, "confirmed": 0}
    if current is None:
        return "not_submitted", counts
    agency = current["agency_id"]
    counts["errors"] = current["errors"]
    opened = current["open_warnings"]
    if opened is None:
        counts["warnings"] = current["warnings"]
    for rule, location in opened or ():
        verdict = held.get((agency, rule, location), {}).get("verdict")
        key = {ACCEPT: "accepted", CONFIRM: "confirmed"}.get(verdict or "", "warnings")
        counts[key] += 1
    if counts["errors"] or counts["confirmed"] or not _usable(current):
        return "failing", counts
    if counts["warnings"]:
        return "pending", counts
    mark = held.get((agency, PUBLISH_RULE, str(current["id"])))
    return ("published" if mark and mark["verdict"] == PUBLISH else "passed"), counts


def _usable(current: dict[str, Any]) -> bool:
    # final_ok false with no error and no open warning: the report was incomplete (a rule crashed).
    return bool(current["final_ok"]) or bool(current["errors"] or current["open_warnings"] or current.get("warnings"))
