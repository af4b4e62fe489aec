"""Render a report instance to Markdown, HTML, DOCX and JSON from the shared templates and table model."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlpy.errors import RenderError

FORMATS = ("md", "html", "docx", "json")
_BLANKS = re.compile(r"\n{3,}")


def _text(fmt: str) -> Callable[[dict[str, Any], Any, bool], bytes]:
    def render_text(context: dict[str, Any], env: Any, override: bool) -> bytes:
        from xlpy.render.env import select

        version = context["version"]
        template = select(env, [f"report/{version}/report.{fmt}.j2", f"report/common/report.{fmt}.j2"])
        text = template.render(context)
        if fmt == "md":
            # Paragraph macros leave runs of blank lines; Markdown gives them no meaning.
            text = _BLANKS.sub("\n\n", text).lstrip("\n")
        return text.encode("utf-8")

    return render_text


def _docx(context: dict[str, Any], env: Any, override: bool) -> bytes:
    from xlpy.render.word import render_docx

    # A deployment's body template may emit broken XML; Word would refuse the file, so check it.
    return render_docx(context, env, check=override)


_RENDERERS: dict[str, Callable[[dict[str, Any], Any, bool], bytes]] = {"md": _text("md"), "html": _text("html"), "docx": _docx}


def render(
    instance: dict[str, Any],
    formats: tuple[str, ...] | list[str] = FORMATS,
    *,
    draft: bool = False,
    templates_dir: str | Path | None = None,
) -> dict[str, bytes]:
    """The report in each requested format, as bytes keyed by format name (md, html, docx, json)."""
    import jinja2

    from xlpy.render import context as context_mod
    from xlpy.render.env import environment

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise RenderError(f"不支持的输出格式：{'、'.join(unknown)}（可选：{'、'.join(FORMATS)}）")
    env = environment(templates_dir)
    out: dict[str, bytes] = {}
    try:
        context = context_mod.build(instance, env, draft=draft) if any(f != "json" for f in formats) else {}
        for fmt in formats:
            if fmt == "json":
                out[fmt] = (json.dumps(instance, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            else:
                out[fmt] = _RENDERERS[fmt](context, env, templates_dir is not None)
    except jinja2.UndefinedError as exc:
        # StrictUndefined: a template (often a deployment override) names a field that does not exist.
        raise RenderError(f"报告模板引用了不存在的数据：{exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"报告模板出错：{exc}") from exc
    return out


def file_name(instance: dict[str, Any], fmt: str) -> str:
    """`<机关名称><年份>年政府信息公开工作年度报告.<fmt>` (the title, made safe for a file system)."""
    meta = instance.get("meta", {})
    stem = f"{meta.get('org_name') or ''}{meta.get('year') or ''}年政府信息公开工作年度报告"
    for ch in '/\\:*?"<>|\0':
        stem = stem.replace(ch, "_")
    return f"{stem}.{fmt}"
