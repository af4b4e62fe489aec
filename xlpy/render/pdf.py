"""DOCX → PDF through LibreOffice headless: the warm converter (converter.py) or a bounded one-shot child."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from xlpy.errors import RenderError
from xlpy.resources import templates_dir

# A report converts in 2–5 s (15 s on a loaded 2-core machine); a hung LibreOffice is killed after this.
# Below the HTTP service's 30 s request limit on purpose: the converter kills its own process group
# first, whereas a server worker killed at the request deadline would leave LibreOffice orphaned.
TIMEOUT_S = 25.0
# Where LibreOffice installs itself on Debian/Ubuntu, from the upstream .deb, on macOS and Windows.
# The parent's PATH is not read (the core does not read the environment): these are searched in order.
SOFFICE_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/local/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "C:/Program Files/LibreOffice/program/soffice.exe",
)
MISSING = (
    "无法生成 PDF：本机未安装 LibreOffice（soffice）。请安装后重试（Debian/Ubuntu：apt-get install "
    "libreoffice-writer-nogui python3-uno fonts-noto-cjk，或 make pdf-deps），或改为生成 DOCX 后用 Word/WPS 另存为 PDF。"
)

# The same, as a clerk using a server's front end (the Excel add-in) reads it: the server lacks it.
MISSING_ON_SERVER = (
    "无法生成 PDF：服务器未安装 LibreOffice。请改为下载 Word（DOCX）后用 Word/WPS 另存为 PDF，"
    "或请管理员在服务器上安装（make pdf-deps）。"
)


def find_soffice(candidates: tuple[str, ...] | None = None) -> str | None:
    """The first LibreOffice executable of `candidates` (default SOFFICE_CANDIDATES) that exists, or None."""
    for path in SOFFICE_CANDIDATES if candidates is None else candidates:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


def fonts_conf() -> Path:
    """The fontconfig file that maps the 公文 font names to free CJK faces (templates/pdf/fonts.conf)."""
    return templates_dir() / "pdf" / "fonts.conf"


def docx_to_pdf(docx: bytes, *, soffice: str | None = None, timeout: float = TIMEOUT_S, warm: bool = True) -> bytes:
    """The PDF LibreOffice makes of `docx` — the one conversion function of the CLI, the server and batch.

    With `warm` (and python3-uno on the machine) the process's warm LibreOffice converts it
    (render/converter.py: one per process, one conversion at a time, killed and restarted at the time
    limit, on any error and every MAX_USES conversions). Otherwise, or with an explicit `soffice`,
    a one-shot `soffice --convert-to` does. Either way the time limit is `timeout` seconds.
    """
    exe = soffice or find_soffice()
    if exe is None:
        raise RenderError(MISSING)
    data = for_libreoffice(docx)
    if warm and soffice is None:
        from xlpy.render import converter

        try:
            return converter.shared(exe, child_env()).convert(data, timeout)
        except converter.Unavailable:
            pass  # no python3-uno: the one-shot path below
    return one_shot(data, exe, timeout)


def child_env() -> dict[str, str]:
    """The fixed, minimal environment of a LibreOffice child (the parent's is not passed on)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "FONTCONFIG_FILE": str(fonts_conf()),  # the shipped alias file: 公文 font names -> Noto CJK SC
        "SAL_USE_VCLPLUGIN": "svp",  # headless rendering, no display needed
    }


def one_shot(docx: bytes, exe: str, timeout: float = TIMEOUT_S) -> bytes:
    """The PDF of `docx` (already prepared by for_libreoffice) from a fresh `soffice --convert-to`.

    Bounds: one child per call, killed with its process group after `timeout` seconds; its own
    profile directory (-env:UserInstallation; a copy of the seed, profile_seed.py) and working
    directory, deleted afterwards, so calls share no state and may run side by side.
    """
    from xlpy.render import lo_pipes, profile_seed

    work = Path(tempfile.mkdtemp(prefix="xlpy-pdf-"))
    profile_url = (work / "profile").as_uri()
    try:
        seeded = profile_seed.copy_into(exe, work / "profile")  # saves LibreOffice making a profile
        src = work / "report.docx"
        src.write_bytes(docx)
        env = dict(child_env(), HOME=str(work), TMPDIR=str(work))
        cmd = [
            exe,
            f"-env:UserInstallation={profile_url}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work / "out"),
            str(src),
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # soffice starts soffice.bin: kill the whole group on timeout
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise RenderError(f"生成 PDF 超时：LibreOffice 在 {timeout:g} 秒内未完成转换，已终止。") from None
        finally:
            _kill_group(proc)  # a soffice.bin left behind by a crashed wrapper
            lo_pipes.remove(profile_url)  # a killed LibreOffice leaves its pipe file in /tmp
        pdf = work / "out" / "report.pdf"
        if proc.returncode != 0 or not pdf.is_file():
            if seeded:
                profile_seed.discard(exe)
            tail = output.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError(f"LibreOffice 未能把报告转换为 PDF（退出码 {proc.returncode}）：{' '.join(tail)}")
        if not seeded:
            profile_seed.keep(exe, work / "profile")
        return pdf.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def shutdown() -> None:
    """Stop this process's warm LibreOffice, if one runs (the CLI and the server call this as they end)."""
    from xlpy.render import converter

    converter.shutdown()


def for_libreoffice(docx: bytes) -> bytes:
    """The DOCX as LibreOffice must read it to lay it out as Word does.

    LibreOffice's DOCX import maps w:overflowPunct inverted (val 0, "no punctuation past the line end",
    becomes its 允许标点溢出 / hanging punctuation ON; measured in 7.4: a line-end comma printed in the
    margin). The PDF's copy says val 1 so that LibreOffice keeps punctuation inside the type area.
    """
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in ("word/document.xml", "word/styles.xml"):
                data = data.replace(b'<w:overflowPunct w:val="0"/>', b'<w:overflowPunct w:val="1"/>')
            zf.writestr(info, data)
    return out.getvalue()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    killpg = getattr(os, "killpg", None)  # POSIX; elsewhere only the direct child can be killed
    try:
        if killpg is not None:
            killpg(proc.pid, signal.SIGKILL)
        elif proc.poll() is None:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass
    proc.wait()
