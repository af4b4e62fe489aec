"""Render a report instance to Markdown, HTML, DOCX and JSON from the shared templates and table model."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlpy.errors import RenderError
from xlpy.formats import DEFAULT_NAMES, NAMES

FORMATS = NAMES  # the one registry: xlpy/formats.py
# What `xlpy render` writes without --to: PDF needs LibreOffice and seconds, so it is asked for by name.
DEFAULT_FORMATS = DEFAULT_NAMES
_BLANKS = re.compile(r"\n{3,}")


def _text(fmt: str) -> Callable[[dict[str, Any], Any, bool], bytes]:
    def render_text(context: dict[str, Any], env: Any, override: bool) -> bytes:
        from xlpy.render.env import select

        version = context["version"]
        template = select(env, [f"report/{version}/report.{fmt}.j2", f"report/common/report.{fmt}.j2"])
        text = template.render(md_context(context) if fmt == "md" else context)
        if fmt == "md":
            # Paragraph macros leave runs of blank lines; Markdown gives them no meaning.
            text = _BLANKS.sub("\n\n", text).lstrip("\n")
        return text.encode("utf-8")

    return render_text


# Markdown has no autoescape, and clerk text stays as typed (A&B <公开> is not markup). What any
# common renderer (CommonMark/markdown-it, GitHub, Python-Markdown) would turn into markup is
# neutralised in a form all of them read as text: an HTML tag start and an entity-like "&" become
# the entities &lt; and &amp; (Python-Markdown passes "\<" through as a live tag); a "]" that could
# close a link, a "{" that Python-Markdown's attr_list would read as attributes, a backslash before
# punctuation, and in a table cell the "|" that would split it get a backslash (an escape in all).
_MD_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_NEWLINE = re.compile(r"\s*\n\s*")


# Any character one of the rules above acts on; most strings (every figure) have none and skip them.
_MD_ANY = re.compile(r"[\\<&\n\]{|]")


def md_escape(text: str, *, cell: bool = False) -> str:
    """Clerk text as literal Markdown on one line (paragraphs are split before this)."""
    if not _MD_ANY.search(text):
        return text
    text = _MD_BACKSLASH.sub(r"\\\\", _MD_NEWLINE.sub(" ", text))
    text = _MD_TAG.sub("&lt;", _MD_ENTITY.sub("&amp;", text))
    text = text.replace("]", "\\]").replace("{", "\\{")
    return text.replace("|", "\\|") if cell else text


def md_context(value: Any) -> Any:
    """The template context with every string escaped for Markdown (pipe-table cells for a table too)."""
    from dataclasses import replace

    from xlpy.render.tables import MdTable, Table

    def cell(text: str) -> str:
        # A figure (all digits, or blank) has nothing to escape: most cells of a table, skipped in C.
        return text if not text or text.isdigit() else md_escape(text, cell=True)

    # Recursion in a closure: the imports above then run once per report, not once per value.
    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return md_escape(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, Table):
            return replace(
                value,
                md=[
                    MdTable(cell(m.caption), [cell(h) for h in m.header], [[cell(c) for c in row] for row in m.rows])
                    for m in value.md
                ],
            )
        return value

    return walk(value)


def _docx(context: dict[str, Any], env: Any, override: bool) -> bytes:
    from xlpy.render.word import render_docx

    # A deployment's body template may emit broken XML; Word would refuse the file, so check it.
    return render_docx(context, env, check=override)


_RENDERERS: dict[str, Callable[[dict[str, Any], Any, bool], bytes]] = {
    "md": _text("md"),
    "html": _text("html"),
    "docx": _docx,
}


def render(
    instance: dict[str, Any],
    formats: tuple[str, ...] | list[str] = DEFAULT_FORMATS,
    *,
    draft: bool = False,
    templates_dir: str | Path | None = None,
    draft_reasons: list[str] | None = None,
    seal: bool = False,
) -> dict[str, bytes]:
    """The report in each requested format, as bytes keyed by format name (md, html, docx, json, pdf).

    "pdf" is the DOCX converted by LibreOffice (render/pdf.py); without LibreOffice it is a RenderError.

    `draft_reasons` (one line per blocking finding) are printed once on top of a draft; `seal` lays
    out the signature for a sealed document (GB/T 9704 §7.3.5.1) instead of the unsealed one.
    """
    import jinja2

    from xlpy.render import context as context_mod
    from xlpy.render.env import environment

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise RenderError(f"不支持的输出格式：{'、'.join(unknown)}（可选：{'、'.join(FORMATS)}）")
    env = environment(templates_dir)
    out: dict[str, bytes] = {}
    try:
        context = (
            context_mod.build(instance, env, draft=draft, draft_reasons=draft_reasons, seal=seal)
            if any(f != "json" for f in formats)
            else {}
        )
        for fmt in formats:
            if fmt == "json":
                out[fmt] = (json.dumps(instance, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            elif fmt == "pdf":
                from xlpy.render.pdf import docx_to_pdf

                docx = out.get("docx") or _docx(context, env, templates_dir is not None)
                out[fmt] = docx_to_pdf(docx)
            else:
                out[fmt] = _RENDERERS[fmt](context, env, templates_dir is not None)
    except jinja2.UndefinedError as exc:
        # StrictUndefined: a template (often a deployment override) names a field that does not exist.
        raise RenderError(f"报告模板引用了不存在的数据：{exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"报告模板出错：{exc}") from exc
    return out


def file_name(instance: dict[str, Any], fmt: str, *, draft: bool = False) -> str:
    """`<机关名称><年份>年政府信息公开工作年度报告.<fmt>` — named by xlpy.verdict.report_file_name, the one place."""
    from xlpy.verdict import report_file_name

    raw = instance.get("meta")
    meta: dict[str, Any] = raw if isinstance(raw, dict) else {}
    year = meta.get("year") if isinstance(meta.get("year"), int) else None
    return report_file_name(meta.get("org_name") or None, year, fmt, draft=draft)
