"""The macro-enabled workbook (.xlsm): the report workbook plus a 按钮 sheet whose three form buttons run
the VBA macros of workbook/vba/vbaProject.bin (xlwings' VBA client calling the xlpy server).

openpyxl writes the workbook; the package is then finished directly: the VBA part and its relationship,
the macro-enabled content type, and a VML drawing with the buttons (Excel's form-control buttons are
VML shapes whose x:FmlaMacro names the macro). The server address and token live in one visible cell,
the workbook name XLPY_SERVER (B3 of 按钮).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from xlpy.excel import vba_project

SHEET = "按钮"
SETTING_CELL = "B3"
SETTING_NAME = "XLPY_SERVER"
# Button captions by macro (the order of the buttons on the sheet).
BUTTONS = {"XlpyValidate": "校验", "XlpyGenerate": "生成报告", "XlpyFillZeros": "空白填0"}
TEXT = [  # (cell, text) of the 按钮 sheet
    ("A1", "政府信息公开工作年度报告 · 宏按钮"),
    ("A3", "服务器设置"),
    ("C3", "填 xlpy 服务器地址，如 https://年报.example.gov.cn ；有访问令牌时在地址后空一格再填令牌。"),
    ("A5", "点击下面的按钮：工作簿内容发送到上面的服务器校验，结果写入“校验结果”工作表并标出问题单元格。"),
    ("A6", "打开本文件时 Excel 会提示“已禁用宏”，请点“启用内容”。本工作簿的宏只调用上面填写的服务器。"),
]

VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def add_button_sheet(wb: Any, server: str = "") -> None:
    """Put the 按钮 sheet first (settings, how-to text), name the setting cell, and set the code names
    the VBA project's document modules (ThisWorkbook, Sheet1) bind to."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName

    ws = wb.create_sheet(SHEET, 0)
    for cell, text in TEXT:
        ws[cell] = text
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"].font = Font(bold=True)
    ws[SETTING_CELL] = server
    ws[SETTING_CELL].fill = PatternFill("solid", fgColor="FFFFF2CC")
    thin = Side(style="thin", color="FF8A8886")
    ws[SETTING_CELL].border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws[SETTING_CELL].alignment = Alignment(vertical="center")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 48
    ws.row_dimensions[3].height = 24
    wb.defined_names[SETTING_NAME] = DefinedName(SETTING_NAME, attr_text=f"'{SHEET}'!$B$3")
    wb.code_name = "ThisWorkbook"
    ws.sheet_properties.codeName = "Sheet1"
    wb.active = 0


def macro_workbook(wb: Any, server: str = "") -> bytes:
    """The .xlsm bytes of an openpyxl report workbook: the 按钮 sheet, its buttons and the VBA project."""
    add_button_sheet(wb, server)
    buf = io.BytesIO()
    wb.save(buf)
    return to_xlsm(buf.getvalue())


def to_xlsm(xlsx: bytes) -> bytes:
    """Turn the saved workbook (with the 按钮 sheet) into an .xlsm package with the VBA project and buttons."""
    vba = (vba_project.vba_dir() / "vbaProject.bin").read_bytes()
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {name: src.read(name) for name in src.namelist()}
    sheet_part = _sheet_part(parts, SHEET)
    sheet_rels = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    vml_part = "xl/drawings/vmlDrawingXlpyButtons.vml"

    types = parts["[Content_Types].xml"].decode("utf-8").replace(XLSX_MAIN, XLSM_MAIN)
    extra = ""
    if 'Extension="bin"' not in types:
        extra += '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    if 'Extension="vml"' not in types:
        extra += '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
    parts["[Content_Types].xml"] = types.replace("<Default ", extra + "<Default ", 1).encode("utf-8")

    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        parts["xl/_rels/workbook.xml.rels"], "rIdXlpyVba", VBA_REL, "vbaProject.bin"
    )
    parts["xl/vbaProject.bin"] = vba
    parts[sheet_rels] = _add_rel(
        parts.get(sheet_rels), "rIdXlpyButtons", VML_REL, "../drawings/vmlDrawingXlpyButtons.vml"
    )
    parts[vml_part] = buttons_vml().encode("utf-8")
    sheet = parts[sheet_part].decode("utf-8")
    if "xmlns:r=" not in sheet[: sheet.index(">", sheet.index("<worksheet"))]:
        sheet = sheet.replace(
            "<worksheet ",
            '<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ',
            1,
        )
    # CT_Worksheet order: legacyDrawing comes after drawing, before legacyDrawingHF/…/tableParts/extLst.
    at = min(
        (
            i
            for i in (
                sheet.find(t)
                for t in ("<legacyDrawingHF", "<picture", "<oleObjects", "<controls", "<tableParts", "<extLst")
            )
            if i >= 0
        ),
        default=sheet.rindex("</worksheet>"),
    )
    parts[sheet_part] = (sheet[:at] + '<legacyDrawing r:id="rIdXlpyButtons"/>' + sheet[at:]).encode("utf-8")

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def buttons_vml() -> str:
    """The VML drawing of the 按钮 sheet: one form-control button per macro, stacked from row 8."""
    shapes = []
    for i, (macro, caption) in enumerate(BUTTONS.items()):
        # x:Anchor: left column, offset, top row, offset, right column, offset, bottom row, offset (0-based)
        anchor = f"0, 8, {7 + 2 * i}, 4, 1, 60, {8 + 2 * i}, 14"
        shapes.append(
            f'<v:shape id="_x0000_s{1025 + i}" type="#_x0000_t201" style="position:absolute;width:90pt;height:28pt;'
            f'z-index:{i + 1};mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" '
            'strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="宋体" size="220" color="#000000">{escape(caption)}</font></div></v:textbox>'
            f'<x:ClientData ObjectType="Button"><x:Anchor>{anchor}</x:Anchor><x:PrintObject>False</x:PrintObject>'
            f"<x:AutoFill>False</x:AutoFill><x:FmlaMacro>[0]!{macro}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
        'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>' + "".join(shapes) + "</xml>"
    )


def _sheet_part(parts: dict[str, bytes], name: str) -> str:
    """The part name of the sheet called `name` (workbook.xml + its rels)."""
    book = parts["xl/workbook.xml"].decode("utf-8")
    m = re.search(r'<sheet [^>]*name="' + re.escape(escape(name, {'"': "&quot;"})) + r'"[^>]*/>', book)
    if m is None:
        raise ValueError(f"workbook has no sheet {name}")
    rid = re.search(r'r:id="([^"]+)"', m.group(0))
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    target = rid and re.search(r'<Relationship [^>]*Id="' + rid.group(1) + r'"[^>]*/>', rels)
    if not target:
        raise ValueError(f"sheet {name} has no part")
    path = re.search(r'Target="([^"]+)"', target.group(0)).group(1)  # type: ignore[union-attr]
    return path.lstrip("/") if path.startswith("/") else "xl/" + path


def _add_rel(rels: bytes | None, rid: str, rel_type: str, target: str) -> bytes:
    text = (
        rels.decode("utf-8")
        if rels
        else '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
    return text.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
