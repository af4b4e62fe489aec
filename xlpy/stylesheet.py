"""A workbook's styles.xml edited in place: fills and cell formats added (never changed), so existing cells keep theirs."""

from __future__ import annotations

import re

from xlpy.package import attrs

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# What a workbook without styles.xml gets: Excel's own defaults (one font, the two reserved fills).
MINIMAL = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)

_ROOT = re.compile(r"<([\w.\-]+:)?styleSheet\b")
_SOLID = re.compile(r"""patternType\s*=\s*["']solid["']""")
_FG_RGB = re.compile(r"""<(?:[\w.\-]+:)?fgColor\b[^>]*?\brgb\s*=\s*["']([0-9A-Fa-f]{6,8})["']""")
_FONT_NAME = re.compile(r"<(?:[\w.\-]+:)?name\b[^>]*/>")
_START_TAG = re.compile(r"^<[^>]*?(/?)>")
_ID_ATTR = {"fills": "fillId", "fonts": "fontId"}


class Stylesheet:
    """The fonts, fills and cellXfs lists of styles.xml as element strings; new entries are appended."""

    def __init__(self, xml: str) -> None:
        m = _ROOT.search(xml)
        self.prefix = (m.group(1) or "") if m else ""
        self._xml = xml
        self._lists: dict[str, list[str]] = {}
        self._added: dict[str, int] = {}
        for section, item in (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf")):
            self._lists[section] = self._items(section, item)
            self._added[section] = 0

    def _section(self, section: str) -> re.Match[str] | None:
        p = re.escape(self.prefix)
        return re.search(rf"<{p}{section}\b[^>]*?(?:/>|>(.*?)</{p}{section}>)", self._xml, re.DOTALL)

    def _items(self, section: str, item: str) -> list[str]:
        m = self._section(section)
        if m is None or not m.group(1):
            return []
        p = re.escape(self.prefix)
        return re.findall(rf"<{p}{item}\b[^>]*?(?:/>|>.*?</{p}{item}>)", m.group(1), re.DOTALL)

    # --- reading ------------------------------------------------------------------------------

    def fill_rgb(self, xf: int) -> str | None:
        """The solid fill colour (AARRGGBB, upper case) of cell format `xf`, or None."""
        xfs = self._lists["cellXfs"]
        if not 0 <= xf < len(xfs):
            return None
        fill_id = _int(attrs(_start(xfs[xf])).get("fillId"))
        fills = self._lists["fills"]
        if fill_id is None or not 0 <= fill_id < len(fills):
            return None
        fill = fills[fill_id]
        color = _FG_RGB.search(fill)
        if not _SOLID.search(fill) or color is None:
            return None
        rgb = color.group(1).upper()
        return rgb if len(rgb) == 8 else "FF" + rgb

    # --- adding -------------------------------------------------------------------------------

    def _add(self, section: str, element: str) -> int:
        items = self._lists[section]
        if element in items:
            return items.index(element)
        items.append(element)
        self._added[section] += 1
        return len(items) - 1

    def solid_fill(self, argb: str) -> int:
        """The index of a solid fill of `argb` (an existing one when there is one)."""
        for i, fill in enumerate(self._lists["fills"]):
            color = _FG_RGB.search(fill)
            if _SOLID.search(fill) and color and color.group(1).upper().rjust(8, "F") == argb.upper():
                return i
        p = self.prefix
        return self._add(
            "fills",
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{argb}"/></{p}patternFill></{p}fill>',
        )

    def font(
        self, *, bold: bool = False, size: float | None = None, color: str | None = None, underline: bool = False
    ) -> int:
        """A font like the workbook's default one (its typeface) with these changes."""
        p = self.prefix
        fonts = self._lists["fonts"]
        name = _FONT_NAME.search(fonts[0]) if fonts else None
        parts = [f"<{p}b/>" if bold else "", f'<{p}u val="single"/>' if underline else ""]
        parts.append(f'<{p}sz val="{size:g}"/>' if size else f'<{p}sz val="11"/>')
        parts.append(f'<{p}color rgb="{color}"/>' if color else "")
        parts.append(name.group(0) if name else f'<{p}name val="宋体"/>')
        return self._add("fonts", f"<{p}font>{''.join(parts)}</{p}font>")

    def cell_format(self, *, font: int = 0, fill: int = 0, alignment: str = "") -> int:
        """A cell format (cellXfs entry) for cells xlpy writes; `alignment` is an <alignment …/> element."""
        p = self.prefix
        applies = ' applyFont="1"' if font else ""
        applies += ' applyFill="1"' if fill else ""
        applies += ' applyAlignment="1"' if alignment else ""
        head = f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{applies}'
        return self._add("cellXfs", f"{head}>{alignment}</{p}xf>" if alignment else f"{head}/>")

    def alignment(self, *, vertical: str = "top", wrap: bool = False) -> str:
        wrap_attr = ' wrapText="1"' if wrap else ""
        return f'<{self.prefix}alignment vertical="{vertical}"{wrap_attr}/>'

    def with_fill(self, xf: int, argb: str) -> int:
        """Cell format `xf` with its fill replaced by solid `argb`; everything else of it (font, border,
        number format, protection, alignment) kept. An existing identical format is reused, so marking
        and clearing again adds nothing."""
        xfs = self._lists["cellXfs"]
        base = (
            xfs[xf]
            if 0 <= xf < len(xfs)
            else xfs[0]
            if xfs
            else f'<{self.prefix}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        )
        fill = self.solid_fill(argb)
        key = _without_fill(base)
        for i, other in enumerate(xfs):
            if _without_fill(other) == key and _int(attrs(_start(other)).get("fillId")) == fill:
                return i
        start = _start(base)
        tag = re.sub(r"""\s(?:fillId|applyFill)\s*=\s*(?:"[^"]*"|'[^']*')""", "", start)
        cut = len(tag) - (2 if tag.endswith("/>") else 1)
        tag = f'{tag[:cut]} fillId="{fill}" applyFill="1"{tag[cut:]}'
        return self._add("cellXfs", tag + base[len(start) :])

    # --- writing ------------------------------------------------------------------------------

    def to_xml(self) -> str:
        """styles.xml with the added entries appended to their lists (and the counts updated)."""
        xml = self._xml
        p = self.prefix
        for section in ("fonts", "fills", "cellXfs"):
            if not self._added[section]:
                continue
            items = self._lists[section]
            m = self._section(section)
            block = f'<{p}{section} count="{len(items)}">{"".join(items)}</{p}{section}>'
            if m is not None:
                xml = xml[: m.start()] + block + xml[m.end() :]
            else:
                xml = _insert_section(xml, p, section, block)
            self._xml = xml
        return xml


# CT_Stylesheet's element order: a missing list goes before the first later one present.
_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)


def _insert_section(xml: str, p: str, section: str, block: str) -> str:
    for later in _ORDER[_ORDER.index(section) + 1 :]:
        m = re.search(rf"<{re.escape(p)}{later}\b", xml)
        if m:
            return xml[: m.start()] + block + xml[m.start() :]
    end = xml.rindex(f"</{p}styleSheet>")
    return xml[:end] + block + xml[end:]


def _start(element: str) -> str:
    m = _START_TAG.match(element)
    return m.group(0) if m else element


def _without_fill(element: str) -> str:
    start = _start(element)
    bare = re.sub(r"""\s(?:fillId|applyFill)\s*=\s*(?:"[^"]*"|'[^']*')""", "", start)
    return bare.replace("/>", ">") + element[len(start) :]


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
