"""The template context of one report: headings, paragraphs, tables and the figures stated in words."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from xlpy import schema
from xlpy.render import tables as tables_mod
from xlpy.render import typeset
from xlpy.render.env import cn_numeral, fmt_date, select

DRAFT_MARK = "草稿：未通过校验"
# A sub-heading that already ends in punctuation gets no added 。 (「加强监督保障：」 stays as typed).
_END_PUNCT = tuple("。：:．.！!？?；;")

# Schema nodes whose titles are the six official section headings, in order.
_SECTION_PATHS = {
    "s1": "text.overview",
    "s2": "s2",
    "s3": "s3",
    "s4": "s4",
    "s5": "text.problems",
    "s6": "text.other",
}


@cache
def headings(version: str) -> dict[str, str]:
    """一、总体情况 … 六、其他需要报告的事项, from the schema titles (the single source of truth)."""
    return {key: str(schema.resolved(version, path)["title"]) for key, path in _SECTION_PATHS.items()}


def paragraphs(text: Any) -> list[str]:
    """Clerk text -> paragraphs: every line break starts a new paragraph; blank lines and indents dropped."""
    if not text:
        return []
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def overview_parts(parts: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """（一）（二）… numbered parts; the sub-heading becomes the bold lead-in of the part's first paragraph."""
    out = []
    for i, part in enumerate(parts or [], start=1):
        title = str(part.get("title") or "").strip()
        paras = paragraphs(part.get("body"))
        number = f"（{cn_numeral(i)}）"
        lead_in = ""
        # Markdown emphasises the words only (（一）**主动公开**。): CommonMark does not close ** between a
        # full stop and a letter, so 「**（一）主动公开。**围绕」 printed its asterisks.
        core = title.rstrip("".join(_END_PUNCT))
        end = title[len(core) :] or "。"
        if title:
            lead_in = number + title + ("" if title.endswith(_END_PUNCT) else "。")
        if not paras:
            paras = [""]
        out.append(
            {
                "number": number,
                "title": title,
                "lead_in": lead_in,
                "title_core": core,
                "title_end": end,
                "first": paras[0],
                "rest": paras[1:],
            }
        )
    return out


def _get(instance: dict[str, Any], path: str) -> Any:
    node: Any = instance
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _figures(instance: dict[str, Any], paths: dict[str, str]) -> dict[str, Any] | None:
    """The named figures, or None if any is blank (a draft): no sentence is better than a wrong one."""
    out = {name: _get(instance, path) for name, path in paths.items()}
    if any(v is None for v in out.values()):
        return None
    return out


def s3_figures(instance: dict[str, Any]) -> dict[str, Any] | None:
    """The 表三 totals a report states in words: received, carried over, answered, carried forward."""
    f = _figures(
        instance,
        {
            "new": "s3.new_received.total",  # 本年新收
            "carried": "s3.carried_over.total",  # 上年结转
            "done": "s3.results.total.total",  # 本年度办理结果（七）总计
            "granted": "s3.results.granted.total",  # 予以公开
            "partly": "s3.results.partly_granted.total",  # 部分公开
            "forward": "s3.carried_forward.total",  # 结转下年度继续办理
        },
    )
    if f is not None:
        # "未收到…申请" only when every cell of 表三 is 0: totals of 0 beside non-zero parts are not "none".
        f["none"] = not _any_nonzero(instance.get("s3"))
    return f


def s4_figures(instance: dict[str, Any]) -> dict[str, Any] | None:
    """The 表四 totals in words: 行政复议 by outcome, 行政诉讼 (both kinds added) by outcome."""
    outcomes = ("upheld", "corrected", "other", "pending", "total")
    paths = {f"review_{o}": f"s4.review.{o}" for o in outcomes}
    paths.update({f"direct_{o}": f"s4.litigation.direct.{o}" for o in outcomes})
    paths.update({f"after_{o}": f"s4.litigation.after_review.{o}" for o in outcomes})
    f = _figures(instance, paths)
    if f is None:
        return None
    for o in outcomes:
        f[f"litigation_{o}"] = f[f"direct_{o}"] + f[f"after_{o}"]  # 行政诉讼 = 直接起诉 + 复议后起诉
    # Whether the results add up to the total: when they do not, the sentence says so instead of "其中…",
    # so the words describe the table as it is and never state a list that contradicts its own total.
    for kind in ("review", "litigation"):
        f[f"{kind}_parts"] = sum(f[f"{kind}_{o}"] for o in outcomes if o != "total")
        f[f"{kind}_adds_up"] = f[f"{kind}_parts"] == f[f"{kind}_total"]
    # "未发生…" only when every cell of 表四 is 0 (a table whose totals say 0 while 16 cases sit in the result
    # cells must not be described as none).
    f["none"] = not _any_nonzero(instance.get("s4"))
    return f


def _any_nonzero(node: Any) -> bool:
    if isinstance(node, dict):
        return any(_any_nonzero(v) for v in node.values())
    return isinstance(node, int | float) and not isinstance(node, bool) and node != 0


@cache
def s4_labels(version: str) -> dict[str, str]:
    """The 表四 labels the sentence uses (行政复议, 结果维持 …), from the schema titles."""
    labels = {key: title for key, title, _ in tables_mod.kids(version, "s4.review")}
    labels.update({key: title for key, title, _ in tables_mod.kids(version, "s4")})
    labels.update({key: title for key, title, _ in tables_mod.kids(version, "s4.litigation")})
    return labels


def _sentence(env: jinja2.Environment, version: str, name: str, **values: Any) -> str:
    template = select(env, [f"report/{version}/{name}.txt.j2", f"report/common/{name}.txt.j2"])
    return template.render(**values).strip()


def draft_note(reasons: list[str] | None) -> str:
    """The one draft mark on page 1: 草稿：未通过校验, and what has to be corrected before the final report."""
    if not reasons:
        return DRAFT_MARK
    return f"{DRAFT_MARK}。正式报告须先改正以下 {len(reasons)} 项：" + "；".join(reasons) + "。"


def build(
    instance: dict[str, Any],
    env: jinja2.Environment,
    *,
    draft: bool = False,
    draft_reasons: list[str] | None = None,
    seal: bool = False,
) -> dict[str, Any]:
    """Everything the templates of every format need, computed once per report.

    `draft_reasons`: the findings that block the final report (shown once, on top of a draft);
    `seal`: lay out 署名 and 成文日期 for a sealed document (GB/T 9704 §7.3.5.1), else §7.3.5.2.
    """
    version = str(instance["format_version"])
    meta = instance.get("meta") or {}
    text = instance.get("text") or {}
    overview = text.get("overview") or {}
    year = meta.get("year")
    # A draft may lack the year; print nothing rather than "None".
    title = _sentence(env, version, "title", org_name=meta.get("org_name") or "", year="" if year is None else year)
    s3 = s3_figures(instance)
    s4 = s4_figures(instance)
    tbl = tables_mod.tables(version, instance)
    return {
        "version": version,
        "draft": draft,
        "draft_mark": DRAFT_MARK,
        "draft_note": draft_note(draft_reasons),
        "title": title,
        "title_lines": typeset.title_lines(title, meta.get("org_name") or ""),
        "signature": typeset.signature(meta.get("org_name") or "", fmt_date(meta.get("date")), seal=seal),
        "org_name": meta.get("org_name") or "",
        "year": year,
        "date": fmt_date(meta.get("date")),
        "date_iso": meta.get("date"),
        "headings": headings(version),
        "preamble": paragraphs(text.get("preamble")),
        "overview": {"lead": paragraphs(overview.get("lead")), "parts": overview_parts(overview.get("parts"))},
        "s2": {"lead": paragraphs(text.get("s2_lead")), "table": tbl["s2"]},
        "s3": {
            "summary": _sentence(env, version, "s3_summary", year=year, f=s3) if s3 else "",
            "lead": paragraphs(text.get("s3_lead")),
            "table": tbl["s3"],
        },
        "s4": {
            "summary": _sentence(env, version, "s4_summary", year=year, f=s4, labels=s4_labels(version)) if s4 else "",
            "lead": paragraphs(text.get("s4_lead")),
            "table": tbl["s4"],
        },
        "problems": paragraphs(text.get("problems")),
        "other": paragraphs(text.get("other")),
    }
