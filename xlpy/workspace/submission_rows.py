"""The rows one submission writes: its submissions row, its summaries row and its current_submissions row."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from xlpy.errors import StoreError
from xlpy.resources import load_json
from xlpy.schema import known_versions
from xlpy.workspace import tables as t

FIGURE_PARTS = ("s2", "s3", "s4")  # the tables a roll-up and the indicators read


def submission_row(
    agency_id: str, filename: str, digest: str, instance: dict[str, Any], report: dict[str, Any], who: str
) -> dict[str, Any]:
    """The submissions row of one upload: its data, findings and the summary columns dashboards read."""
    raw_meta = instance.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    year = meta.get("year") if isinstance(meta.get("year"), int) else report.get("year")
    if not isinstance(year, int):
        raise StoreError(f"{filename}：无法确定报告年度（基本信息中的报告年度为空或无效），未保存")
    findings = report.get("findings") or []
    open_warnings = [
        [f["rule"], (f.get("cells") or ["-"])[0]]
        for f in findings
        if f.get("severity") == "warning" and not f.get("explained")
    ]
    from xlpy.workspace import rollup

    version = str(report.get("format_version") or instance.get("format_version") or "")
    figures = {k: instance[k] for k in FIGURE_PARTS if k in instance}
    vector, units = None, None
    if version in known_versions():
        _, _, vector, units = rollup.member(agency_id, figures, version)
    return {
        "agency_id": agency_id,
        "year": year,
        "format_version": version,
        "filename": filename[:255],
        "sha256": digest,
        "data": instance,
        "figures": figures,
        "measures": measures(instance),
        "vector": vector,  # these three go to the summaries table only
        "plan": rollup.plan_key(version) if vector is not None else None,
        "units": units,
        "report": report,
        "errors": sum(1 for f in findings if f.get("severity") == "error"),
        "warnings": len(open_warnings),
        "open_warnings": open_warnings,
        "final_ok": bool(report.get("final_ok")),
        "submitted_by": who[:100],
        "submitted_at": now(),
    }


def summary_row(submission_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """The summaries row of a submission row (see tables.summaries)."""
    return {"submission_id": submission_id, **{k: values[k] for k in t.summaries.c.keys() if k != "submission_id"}}


def current_row(submission_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """The current_submissions row of a submission row (see tables.current_submissions)."""
    return {
        "year": values["year"],
        "agency_id": values["agency_id"],
        "submission_id": submission_id,
        "errors": values["errors"],
        "warnings": values["warnings"],
        "open_warnings": json.dumps(values["open_warnings"], ensure_ascii=False),
        "final_ok": values["final_ok"],
        "submitted_by": values["submitted_by"],
        "submitted_at": values["submitted_at"],
        "sha256": values["sha256"],
        "org_name": org_name(values["data"]),
        **indicator_terms(values["measures"]),
    }


def org_name(instance: Any) -> str:
    """The 机关名称 a report states ("" when blank)."""
    meta = instance.get("meta") if isinstance(instance, dict) else None
    name = meta.get("org_name") if isinstance(meta, dict) else None
    return name.strip()[:200] if isinstance(name, str) else ""


def indicator_terms(measures: dict[str, Any]) -> dict[str, int | None]:
    """{"<indicator>_num": …, "<indicator>_den": …} summed from {field path: value} (None: a blank term)."""
    from xlpy.workspace.indicators import term

    out: dict[str, int | None] = {}
    for spec in load_json("workspace.json")["indicators"]:
        out[f"{spec['id']}_num"] = term(measures, spec["numerator"])
        out[f"{spec['id']}_den"] = term(measures, spec["denominator"])
    return out


def measures(instance: dict[str, Any]) -> dict[str, Any]:
    """{path: value} of every field an indicator of schemas/workspace.json reads."""
    from xlpy.schema import lookup

    paths = {p for spec in load_json("workspace.json")["indicators"] for p in spec["numerator"] + spec["denominator"]}
    return {p: lookup(instance, p) for p in sorted(paths)}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)
