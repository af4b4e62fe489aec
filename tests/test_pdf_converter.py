"""The warm PDF converter with real LibreOffice: same PDF as the one-shot path, bounded, replaced, and gone at exit."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import GIVE_UP, cmdline, descendants, group, mentioning, wait_gone, wait_until
from tests.render_support import ROOT, load
from xlpy.errors import RenderError
from xlpy.render import converter, lo_pipes, render
from xlpy.render.pdf import child_env, docx_to_pdf, find_soffice, for_libreoffice, one_shot

pdfplumber = pytest.importorskip("pdfplumber")
SOFFICE = find_soffice()
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True, scope="module")
def _libreoffice_and_uno() -> None:
    """Skip without LibreOffice and python3-uno locally; in CI (CI set) fail instead: CI installs both."""
    from tests.libreoffice import need_libreoffice

    need_libreoffice(uno=True)
    assert SOFFICE is not None, "soffice is on PATH but not where render/pdf.py looks"


@pytest.fixture(scope="module")
def docx() -> bytes:
    return render(load("2021"), ("docx",))["docx"]


@pytest.fixture
def conv():
    assert SOFFICE is not None
    c = converter.Converter(SOFFICE, child_env())
    yield c
    c.shutdown()


def _printed(pdf: bytes) -> list[list[tuple[str, float, float, float]]]:
    """Every character of every page with its position and size: what a reader of the printout sees."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[(c["text"], round(c["x0"], 1), round(c["top"], 1), c["size"]) for c in p.chars] for p in doc.pages]


def _pipe_files(c: converter.Converter) -> list[Path]:
    """The socket files in /tmp of the LibreOffice `c` runs now: its --accept pipe's and its profile's."""
    assert c._work is not None
    return [lo_pipes.pipe_file(c._pipe), lo_pipes.single_instance_file((c._work / "profile").as_uri())]


def test_warm_conversions_print_what_the_one_shot_path_prints(conv, docx):
    """Two conversions on one LibreOffice (started once), each the same printout as `soffice --convert-to`."""
    assert SOFFICE is not None
    first = conv.convert(for_libreoffice(docx), 60)
    second = conv.convert(for_libreoffice(docx), 60)
    assert conv.starts == 1 and conv.pid is not None
    baseline = _printed(one_shot(for_libreoffice(docx), SOFFICE, 60))
    assert len(baseline) >= 5 and _printed(first) == baseline and _printed(second) == baseline


def test_a_killed_libreoffice_is_replaced_and_the_next_conversion_succeeds(conv, docx):
    conv.convert(for_libreoffice(docx), 60)
    pgid = conv.pid
    assert pgid is not None
    pipes = _pipe_files(conv)
    assert all(p.exists() for p in pipes)  # LibreOffice made both; killed, it cannot remove them
    os.killpg(pgid, signal.SIGKILL)  # LibreOffice and its worker die between two conversions
    assert wait_until(lambda: not group(pgid))  # dead before the next conversion, however loaded the machine
    pdf = conv.convert(for_libreoffice(docx), 60)
    assert conv.starts == 2 and conv.pid != pgid
    assert not [p for p in pipes if p.exists()]  # the converter removed them when it found LibreOffice dead
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert "淮安市人民政府" in (doc.pages[0].extract_text() or "")


def test_a_conversion_over_its_time_limit_is_killed_and_the_next_one_gets_a_new_libreoffice(conv, docx):
    """The bound: past the limit LibreOffice (its whole process group) is killed at once, not waited for."""
    conv.convert(for_libreoffice(docx), 60)  # warm: what follows times the conversion, not the start
    pgid = conv.pid
    assert pgid is not None
    pipes = _pipe_files(conv)
    stops: list[bool] = []
    real_stop = conv._stop

    def stop(*, graceful: bool = False) -> None:  # the real stop, noting how it was asked to stop
        stops.append(graceful)
        real_stop(graceful=graceful)

    conv._stop = stop  # type: ignore[method-assign]
    with pytest.raises(RenderError, match="超时"):
        conv.convert(for_libreoffice(docx), 0.05)  # no report converts in 50 ms
    # Killed, not asked to quit and waited for (that would be graceful=True, up to GRACE_S): the bound
    # is the converter's choice, checked here as such — a time budget would depend on the machine's load.
    assert stops and not any(stops)
    assert conv.pid is None and wait_until(lambda: not group(pgid))
    assert not [p for p in pipes if p.exists()]  # killed at the limit: its pipe files removed
    assert _printed(conv.convert(for_libreoffice(docx), 60)) and conv.starts == 2


def test_restart_after_max_uses(docx):
    assert SOFFICE is not None
    c = converter.Converter(SOFFICE, child_env(), max_uses=1)
    try:
        c.convert(for_libreoffice(docx), 60)
        first = c.pid
        c.convert(for_libreoffice(docx), 60)
        assert c.starts == 2 and first is not None and wait_until(lambda: not group(first))
    finally:
        c.shutdown()


def test_an_idle_libreoffice_is_stopped_and_the_next_conversion_starts_one(docx):
    assert SOFFICE is not None
    c = converter.Converter(SOFFICE, child_env(), idle=1.0)
    try:
        c.convert(for_libreoffice(docx), 60)
        pgid = c.pid
        assert pgid is not None
        # stopping (after `idle`): LibreOffice is asked to quit, then its group is killed
        assert wait_until(lambda: c.pid is None and not group(pgid)), (c.pid, group(pgid))
        assert _printed(c.convert(for_libreoffice(docx), 60)) and c.starts == 2
    finally:
        c.shutdown()


def test_shutdown_leaves_no_process_and_no_profile(conv, docx):
    conv.convert(for_libreoffice(docx), 60)
    pgid, work = conv.pid, conv._work
    assert pgid is not None and work is not None and (work / "profile").is_dir()
    pipes = _pipe_files(conv)  # LibreOffice's UNO pipe socket and its single-instance one
    assert all(p.exists() for p in pipes)
    conv.shutdown()
    assert wait_until(lambda: not group(pgid)) and not work.exists() and not [p for p in pipes if p.exists()]


def test_a_killed_one_shot_libreoffice_leaves_no_pipe_file(monkeypatch, tmp_path, docx):
    """`soffice --convert-to` killed mid-conversion (here by the test, as the time limit does): the
    pipe file it made in /tmp is removed with its work directory."""
    import tempfile
    import threading

    assert SOFFICE is not None
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its work directory (and profile) here
    killed: list[Path] = []

    def kill_once_listening() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            work = next(tmp_path.glob("xlpy-pdf-*"), None)
            pipe = work and lo_pipes.single_instance_file((work / "profile").as_uri())
            if pipe is not None and pipe.exists():  # LibreOffice is up: kill its group
                for pid, line in mentioning(str(work)).items():
                    if "soffice" in line:
                        os.killpg(os.getpgid(pid), signal.SIGKILL)
                        killed.append(pipe)
                        return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_once_listening)
    killer.start()
    try:
        with pytest.raises(RenderError, match="未能"):
            one_shot(for_libreoffice(docx), SOFFICE, 120)
    finally:
        killer.join()
    assert killed and not killed[0].exists()


def test_without_python3_uno_the_one_shot_path_converts(monkeypatch, docx):
    """A Python without python3-uno (this venv's): the worker says so and docx_to_pdf uses soffice --convert-to."""
    converter.shutdown()
    monkeypatch.setattr(converter, "PYTHON_CANDIDATES", (sys.executable,))
    try:
        pdf = docx_to_pdf(docx)
        shared = converter._shared
        assert shared is not None and shared.starts == 1 and shared.pid is None
        assert shared._unavailable == "python3-uno is not installed"
        assert _printed(pdf)[0]
    finally:
        converter.shutdown()


def test_the_cli_leaves_no_libreoffice_behind(tmp_path):
    """`xlpy render --to pdf` in its own process: the PDF is written, and once the command has exited no
    process of its LibreOffice is left and its profile directory is gone."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp))
    example = ROOT / "workbook" / "examples" / "huaian-2024.json"
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "xlpy", "render", str(example), "-o", str(out), "--to", "pdf"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert [p.suffix for p in out.iterdir()] == [".pdf"]
    # The CLI stops LibreOffice as it exits; the last of its processes may end a moment later.
    assert wait_until(lambda: not mentioning(str(tmp))), mentioning(str(tmp))
    # only the machine's seed profile is left (render/profile_seed.py), made from this run's profile
    assert [p.name.startswith("xlpy-lo-seed-") for p in tmp.iterdir()] == [True]


OWNER_DIES = """
import os, sys
from xlpy.render import converter, lo_pipes
from xlpy.render.pdf import child_env, find_soffice
c = converter.Converter(find_soffice(), child_env())
c.convert(open(sys.argv[1], "rb").read(), 60)
print(c._work, lo_pipes.pipe_file(c._pipe), lo_pipes.single_instance_file((c._work / "profile").as_uri()))
sys.stdout.flush()
os._exit(0)  # dies as a killed server worker does: no shutdown, no atexit
"""


def test_a_converter_whose_owner_dies_leaves_nothing_behind(tmp_path, docx):
    """The process owning a warm LibreOffice dies without stopping it: its worker sees that, and no
    LibreOffice process, no pipe file in /tmp and no work directory is left."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    src = tmp_path / "r.docx"
    src.write_bytes(for_libreoffice(docx))
    proc = subprocess.run(
        [sys.executable, "-c", OWNER_DIES, str(src)],
        env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    work, *pipes = [Path(p) for p in proc.stdout.split()]
    assert work.parent == tmp and len(pipes) == 2
    assert wait_until(lambda: not mentioning(str(tmp))), mentioning(str(tmp))
    assert not [p for p in pipes if p.exists()] and not work.exists()


def test_a_seed_profile_is_made_once_and_copied_into_each_new_converter(monkeypatch, tmp_path, docx):
    import tempfile

    from xlpy.render import profile_seed

    assert SOFFICE is not None
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this test's own seed
    seed = profile_seed.seed_dir(SOFFICE)
    first = converter.Converter(SOFFICE, child_env())
    first.convert(for_libreoffice(docx), 60)
    assert not first._seeded and not seed.exists()
    first.shutdown()  # a profile that has converted a report becomes the seed
    assert (seed / "user" / "registrymodifications.xcu").is_file() and not (seed / ".lock").exists()
    assert seed.stat().st_mode & 0o077 == 0
    second = converter.Converter(SOFFICE, child_env())
    try:
        pdf = second.convert(for_libreoffice(docx), 60)
        assert second._seeded and second._work is not None and (second._work / "profile" / "user").is_dir()
        assert _printed(pdf)[0]
    finally:
        second.shutdown()
    # a seed others could write to is not trusted
    seed.chmod(0o777)
    assert not profile_seed.copy_into(SOFFICE, tmp_path / "p") and not (tmp_path / "p").exists()


def test_the_server_converts_warm_and_sigterm_leaves_no_libreoffice(tmp_path):
    """`xlpy serve`: a PDF request is converted by a worker process's warm LibreOffice (the uno worker is
    among the server's descendants); after SIGTERM none of those processes is left."""
    import httpx

    from tests.http_support import start_server

    proc, url = start_server()
    try:
        book = (ROOT / "workbook" / "examples" / "huaian-2024.xlsx").read_bytes()
        r = httpx.post(url + "/api/render", files={"file": ("h.xlsx", book)}, data={"format": "pdf"}, timeout=60)
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), r.text[:300]
        children = descendants(proc.pid)
        cmdlines = [cmdline(p) for p in children]
        assert any("uno_worker.py" in c for c in cmdlines) and any("soffice" in c for c in cmdlines), cmdlines
        proc.terminate()
        proc.wait(GIVE_UP)
        left = wait_gone(children)  # each child's end, as it happens
        assert not left, ("processes outlived the server", [cmdline(p) for p in left])
    finally:
        if proc.poll() is None:
            proc.kill()
