"""Enriched workbooks for package tests: the example plus what clerks' files carry and openpyxl would drop.

A picture, a chart, a legacy comment and a table come from openpyxl; customXml, threaded comments,
an external link, a pivot cache, a slicer cache, a VBA project and a digital signature are added by
zip surgery (their content is sample XML: the tests check that each part survives byte for byte).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "workbook" / "examples"
VBA_BYTES = b"\xd0\xcf\x11\xe0 not really a VBA project, but its bytes must survive \x00\x01\x02"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

EXTRA_PARTS = {
    "customXml/item1.xml": b'<?xml version="1.0" encoding="UTF-8"?><b:Sources xmlns:b="urn:x-sample"/>',
    "customXml/itemProps1.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><ds:datastoreItem ds:itemID="{6E0E5B8E-0000-4000-8000-000000000001}"'
        b' xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>'
    ),
    "customXml/_rels/item1.xml.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/customXmlProps" Target="itemProps1.xml"/></Relationships>'
    ),
    "xl/threadedComments/threadedComment1.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><ThreadedComments xmlns="http://schemas.microsoft.com/office/'
        b'spreadsheetml/2018/threadedcomments"><threadedComment ref="D8" dT="2025-01-10T09:00:00.00" '
        b'personId="{00000000-0000-0000-0000-000000000001}" id="{00000000-0000-0000-0000-000000000002}">'
        b"<text>\xe8\xaf\xb7\xe6\xa0\xb8\xe5\xaf\xb9</text></threadedComment></ThreadedComments>"
    ),
    "xl/persons/person.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><personList xmlns="http://schemas.microsoft.com/office/'
        b'spreadsheetml/2018/threadedcomments"><person displayName="clerk" id="{00000000-0000-0000-0000-000000000001}"'
        b' userId="clerk" providerId="None"/></personList>'
    ),
    "xl/externalLinks/externalLink1.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><externalBook xmlns:r="' + OD.encode() + b'" r:id="rId1"><sheetNames>'
        b'<sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
    ),
    "xl/externalLinks/_rels/externalLink1.xml.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="' + OD.encode() + b'/externalLinkPath" '
        b'Target="file:///C:/%E4%B8%8A%E5%B9%B4.xlsx" TargetMode="External"/></Relationships>'
    ),
    "xl/pivotCache/pivotCacheDefinition1.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" refreshOnLoad="1" recordCount="0"><cacheSource type="worksheet">'
        b'<worksheetSource ref="A1:B3" sheet="\xe6\x95\xb0\xe6\x8d\xae"/></cacheSource><cacheFields count="0"/>'
        b"</pivotCacheDefinition>"
    ),
    "xl/slicerCaches/slicerCache1.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><slicerCacheDefinition xmlns="http://schemas.microsoft.com/office/'
        b'spreadsheetml/2009/9/main" name="Slicer_1" sourceName="x"/>'
    ),
}
SIGNATURE_PARTS = {
    "_xmlsignatures/origin.sigs": b"",
    "_xmlsignatures/sig1.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="idPackage">'
        b"<SignedInfo/><SignatureValue>AAAA</SignatureValue></Signature>"
    ),
    "_xmlsignatures/_rels/origin.sigs.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
        b'digital-signature/signature" Target="sig1.xml"/></Relationships>'
    ),
}


def _openpyxl_extras(src: bytes) -> bytes:
    """A picture on 基本信息, a comment on 表三!D8, and an extra sheet with a table and a bar chart."""
    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image
    from openpyxl.worksheet.table import Table
    from PIL import Image as PILImage

    wb = load_workbook(io.BytesIO(src))
    png = io.BytesIO()
    PILImage.new("RGB", (40, 20), (200, 30, 30)).save(png, format="PNG")
    png.seek(0)
    wb["基本信息"].add_image(Image(png), "F2")
    wb["表三"]["D8"].comment = Comment("核对过", "clerk")
    ws = wb.create_sheet("数据")
    for row in (("项目", "数量"), ("甲", 3), ("乙", 5)):
        ws.append(row)
    ws.add_table(Table(displayName="T1", ref="A1:B3"))
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "D2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def enriched(*, signed: bool = False, macro: bool = False, example: str = "huaian-2024") -> bytes:
    """The example with every kind of part in EXTRA_PARTS (and a signature / VBA project if asked)."""
    data = _openpyxl_extras((EXAMPLES / f"{example}.xlsx").read_bytes())
    extra = dict(EXTRA_PARTS)
    if signed:
        extra |= SIGNATURE_PARTS
    if macro:
        extra["xl/vbaProject.bin"] = VBA_BYTES
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = body.decode("utf-8")
                if macro:
                    text = text.replace(XLSX_MAIN, XLSM_MAIN)
                    text = text.replace(
                        "</Types>",
                        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                    )
                if signed:
                    text = text.replace(
                        "</Types>",
                        '<Default Extension="sigs" ContentType="application/vnd.openxmlformats-package.digital-signature-origin"/>'
                        '<Override PartName="/_xmlsignatures/sig1.xml" '
                        'ContentType="application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"/></Types>',
                    )
                body = text.encode("utf-8")
            elif item.filename == "_rels/.rels":
                text = body.decode("utf-8")
                text = text.replace(
                    "</Relationships>",
                    f'<Relationship Id="rIdCx" Type="{OD}/customXml" Target="customXml/item1.xml"/></Relationships>',
                )
                if signed:
                    text = text.replace(
                        "</Relationships>",
                        '<Relationship Id="rIdSig" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                        'digital-signature/origin" Target="_xmlsignatures/origin.sigs"/></Relationships>',
                    )
                body = text.encode("utf-8")
            elif item.filename == "xl/_rels/workbook.xml.rels" and macro:
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                    b'vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            zout.writestr(item, body)
        for part, body in extra.items():
            zout.writestr(part, body)
    return out.getvalue()
