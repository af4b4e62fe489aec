"""The VBA project of the macro-enabled workbook: which modules it holds, and building vbaProject.bin on Linux.

The modules are xlwings' own VBA client, exactly the set `xlwings release` puts into a standalone
workbook that calls a server (xlwings.bas, Dictionary.cls, Remote.bas and its Web* modules, all from
the pinned xlwings package), plus workbook/vba/XlpyButtons.bas (the three button macros).

`python -m xlpy.excel.vba_project` rebuilds workbook/vba/vbaProject.bin: the `ms-ovba` library writes
the MS-OVBA streams (the compressed module sources, dir, _VBA_PROJECT, PROJECT) and `pycfb` the
compound file around them. Two defects of those libraries are worked around, not hidden:
ms-ovba-compression 1.0.1 computes a copy token's maximum length wrongly (`0xFFFF << bit_count + 3`
instead of `(0xFFFF >> bit_count) + 3`, MS-OVBA 2.4.1.3.19.1), corrupting every module longer than
about 1.4 KB — the build corrects that one function; and ms-ovba's own compound-file writer (ms-cfb
0.0.6) loses small streams kept in the mini stream, so pycfb writes the container instead. The build is
slow (pure-Python compression, minutes), hence the committed result. Tests read the committed file
with two independent readers (oletools' olevba, LibreOffice).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Module:
    """One VBA module: its name in the project, its kind, and the source file it is built from."""

    name: str
    kind: str  # "module" (.bas) or "class" (.cls)
    path: Path


def vba_dir() -> Path:
    """workbook/vba/ (XlpyButtons.bas, the built vbaProject.bin)."""
    from xlpy.resources import workbook_dir

    return workbook_dir() / "vba"


def xlwings_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise RuntimeError("xlwings is not installed")
    return Path(spec.origin).parent


def modules() -> list[Module]:
    """The project's standard and class modules, in project order."""
    xl = xlwings_dir()
    files = [
        xl / "xlwings.bas",  # GetConfig and the rest of xlwings' standalone module, which Remote uses
        xl / "addin" / "Dictionary.cls",
        xl / "addin" / "Remote.bas",  # RunServerPython and the action handlers
        xl / "addin" / "IWebAuthenticator.cls",
        xl / "addin" / "WebClient.cls",
        xl / "addin" / "WebRequest.cls",
        xl / "addin" / "WebResponse.cls",
        xl / "addin" / "WebHelpers.bas",
        vba_dir() / "XlpyButtons.bas",
    ]
    return [Module(module_name(p), "class" if p.suffix == ".cls" else "module", p) for p in files]


def module_name(path: Path) -> str:
    """The `Attribute VB_Name` of a source file (the name VBA gives the module)."""
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("Attribute VB_Name = "):
            return line.split("=", 1)[1].strip().strip('"')
    raise ValueError(f"{path}: no Attribute VB_Name line")


def stored_source(module: Module) -> str:
    """The module's code as the VBA project stores it: a class file's VERSION/BEGIN…END header is
    the file format's, not the module's; lines end in CRLF."""
    lines = module.path.read_text(encoding="latin-1").replace("\r\n", "\n").split("\n")
    if module.kind == "class":
        lines = lines[next(i for i, line in enumerate(lines) if line.startswith("Attribute VB_Name")) :]
    while lines and lines[-1] == "":
        lines.pop()
    return "\r\n".join(lines) + "\r\n"


def macros() -> list[str]:
    """The button macros (public Subs of XlpyButtons), as the buttons name them."""
    text = (vba_dir() / "XlpyButtons.bas").read_text(encoding="ascii")
    return [line.split()[2].split("(")[0] for line in text.splitlines() if line.startswith("Public Sub ")]


def build(out: Path) -> None:
    """Write vbaProject.bin for `modules()` to `out` (needs ms-ovba 0.0.1 and ms-ovba-compression 1.0.1)."""
    from ms_ovba_compression.ms_ovba import MsOvba  # type: ignore[import-untyped]

    _fix_copytoken_help(MsOvba)
    import ms_ovba  # type: ignore[import-untyped]
    from ms_ovba.Models.Entities.doc_module import DocModule  # type: ignore[import-untyped]
    from ms_ovba.Models.Entities.module_base import ModuleBase  # type: ignore[import-untyped]
    from ms_ovba.Models.Entities.reference import Reference  # type: ignore[import-untyped]
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered  # type: ignore[import-untyped]
    from ms_ovba.Models.Entities.std_module import StdModule  # type: ignore[import-untyped]
    from ms_ovba.Models.Fields.libid_reference import LibidReference  # type: ignore[import-untyped]
    from ms_ovba.Models.Fields.packed_data import PackedData  # type: ignore[import-untyped]
    from ms_ovba.vbaProject import VbaProject  # type: ignore[import-untyped]
    from ms_ovba.Views.dirStream import DirStream  # type: ignore[import-untyped]
    from ms_ovba.Views.project import Project  # type: ignore[import-untyped]
    from ms_ovba.Views.project_view import ProjectView  # type: ignore[import-untyped]
    from pycfb.cfbutility import CFBWriter  # type: ignore[import-untyped]

    class ClassModule(ModuleBase):  # type: ignore[misc]
        """ms-ovba has standard and document modules only; a class module is stored like a document
        module in the dir stream (MODULETYPE 0x0022) and listed as Class= in the PROJECT stream."""

        def __init__(self, name: str, source: str) -> None:
            super().__init__(name)
            self.type = "Class"
            self._source = source

        def normalize_file(self) -> None:
            Path(self._file_path + ".new").write_bytes(self._source.encode("cp1252"))

        def pack(self, endien: str, cp_name: str) -> bytes:
            std, doc = PackedData("HI", 0x0021, 0).pack(endien), PackedData("HI", 0x0022, 0).pack(endien)
            packed: bytes = super().pack(endien, cp_name)
            return packed[:-12] + packed[-12:].replace(std, doc)

    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="xlpy-vba-") as tmp:
        os.chdir(tmp)  # ms-ovba writes its intermediate files and the result into the working directory
        try:
            project = VbaProject()
            project.project_id = "{5D0C7A3E-2F41-4C5B-9A58-8A1F0E6B2C91}"
            blank = Path(ms_ovba.__file__).parent / "blank_files"
            for name, guid in (
                ("ThisWorkbook", "0002081900000000C000000000000046"),
                ("Sheet1", "0002082000000000C000000000000046"),
            ):
                shutil.copy(blank / f"{name}.cls", f"{name}.cls")
                doc_module = DocModule(name)
                doc_module.add_file(os.path.abspath(f"{name}.cls"))
                doc_module.add_guid(uuid.UUID(guid))
                doc_module.normalize_file()
                project.add_module(doc_module)
            for module in modules():
                source = stored_source(module)
                Path(f"{module.name}.src").write_bytes(source.encode("cp1252"))
                code = ClassModule(module.name, source) if module.kind == "class" else StdModule(module.name)
                code.add_file(os.path.abspath(f"{module.name}.src"))
                if module.kind == "class":
                    code.normalize_file()
                else:
                    Path(f"{module.name}.src.new").write_bytes(source.encode("cp1252"))
                project.add_module(code)
            stdole = LibidReference(
                uuid.UUID("0002043000000000C000000000000046"),
                "2.0",
                "0",
                "C:\\Windows\\System32\\stdole2.tlb",
                "OLE Automation",
            )
            project.add_reference(Reference(ReferenceRegistered(stdole), "stdole"))
            # ms-ovba writes each stream to a file: the modules (compressed source), dir, _VBA_PROJECT, PROJECT.
            streams: dict[str, bytes | None] = {"VBA": None}  # None: a storage
            for mod in project.get_modules():
                mod.write_file()
                streams[f"VBA/{mod.name}"] = Path(mod.bin_path).read_bytes()
            for view, name, path in (
                (DirStream, "VBA/dir", "dir.bin"),
                (ProjectView, "VBA/_VBA_PROJECT", "vba_project.bin"),
                (Project, "PROJECT", "project.bin"),
            ):
                view(project).write_file()
                streams[name] = Path(path).read_bytes()
            container = CFBWriter(list(streams), list(streams.values()), uuid.UUID(int=0))
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(bytes(container.data))
        finally:
            os.chdir(here)


def _fix_copytoken_help(msovba: Any) -> None:
    """Correct ms-ovba-compression 1.0.1's CopyToken Help maximum length (see the module docstring)."""
    original = msovba.copytoken_help
    if getattr(original, "xlpy_fixed", False):
        return

    def copytoken_help(difference: int) -> dict[str, int]:
        help_ = dict(original(difference))
        help_["maxLength"] = (0xFFFF >> help_["bitCount"]) + 3
        return help_

    copytoken_help.xlpy_fixed = True  # type: ignore[attr-defined]
    msovba.copytoken_help = staticmethod(copytoken_help)  # type: ignore[attr-defined]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else vba_dir() / "vbaProject.bin"
    build(target)
    print(f"{target}: {target.stat().st_size} bytes, modules: {', '.join(m.name for m in modules())}")
