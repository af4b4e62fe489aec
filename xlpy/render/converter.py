"""The warm PDF converter: one LibreOffice per process, kept running, one conversion at a time, bounded.

A fresh `soffice --convert-to` pays LibreOffice's start (1.5–3 s) on every report; this keeps one
LibreOffice running behind a small UNO worker (uno_worker.py, run by Debian's python3 with python3-uno).

Bounds:
- one LibreOffice per process (the server's worker processes each have their own), with its own
  profile (a copy of the machine's seed profile, profile_seed.py) and work directory, deleted when it
  stops;
- one conversion at a time (a lock; waiting for it counts against the caller's time limit);
- a conversion still running at its time limit has LibreOffice killed (its whole process group) and
  the next conversion starts a new one; so does any error, and every MAX_USES conversions;
- a LibreOffice idle for IDLE_S (10 minutes) is stopped; the next conversion starts one;
- it stops with its owner: shutdown() (the CLI and the server call it), at interpreter or
  multiprocessing-worker exit, and — if the owner is killed — the worker sees its parent gone and
  kills LibreOffice itself.
Where no python3-uno is found, `Unavailable` tells render/pdf.py to use the one-shot path.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from xlpy.errors import RenderError
from xlpy.render import lo_pipes, profile_seed

WORKER = Path(__file__).with_name("uno_worker.py")
# Debian's python3-uno belongs to the system interpreter; the core does not read PATH, so it is named.
PYTHON_CANDIDATES = ("/usr/bin/python3",)
# LibreOffice leaks a little per document; a planned restart every so many keeps it small.
MAX_USES = 100
# A LibreOffice idle this long is stopped (the next PDF starts one): a server that made one PDF in the
# morning does not hold ~200 MB per worker process all day for it.
IDLE_S = 600.0
# How long a planned stop waits for LibreOffice to quit by itself before killing it.
GRACE_S = 5.0


class Unavailable(Exception):
    """No warm converter on this machine (no system python3 with python3-uno): use one-shot conversion."""


class Converter:
    """One LibreOffice kept warm for `soffice`; see the module docstring for its bounds."""

    def __init__(
        self,
        soffice: str,
        env: dict[str, str],
        *,
        python: str | None = None,
        max_uses: int = MAX_USES,
        idle: float = IDLE_S,
    ):
        self.soffice = soffice
        self.env = env
        self.python = python or next((p for p in PYTHON_CANDIDATES if Path(p).is_file()), None)
        self.max_uses = max_uses
        self.idle = idle
        self._idle_timer: threading.Timer | None = None
        self._last_used = 0.0
        self.starts = 0  # LibreOffice processes started (the bench and tests read it)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._work: Path | None = None
        self._pipe = ""  # the UNO pipe's name
        self._buffer = b""
        self._uses = 0
        self._converted = 0  # by the LibreOffice now running
        self._seeded = False  # its profile is a copy of the machine's seed (profile_seed.py)
        self._unavailable: str | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id (the LibreOffice process group), None when nothing runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """The PDF of `docx`, within `timeout` seconds including any wait for the lock or a (re)start."""
        deadline = time.monotonic() + timeout
        if not self._lock.acquire(timeout=timeout):
            raise RenderError(f"生成 PDF 超时：{timeout:g} 秒内未轮到转换（转换程序繁忙），请稍后重试。")
        try:
            for attempt in (1, 2):
                fresh = self._ensure_started(deadline, timeout)
                try:
                    return self._convert_once(docx, deadline, timeout)
                except _WorkerDied:
                    # LibreOffice died between conversions (killed, crashed): one retry on a new one,
                    # unless this very conversion started it — then the document itself is the trouble.
                    self._stop()
                    if fresh or attempt == 2 or time.monotonic() >= deadline:
                        raise RenderError("LibreOffice 转换 PDF 时意外退出，已重新启动转换程序，请重试。") from None
                except BaseException:
                    self._stop()  # any error: the next conversion gets a new LibreOffice
                    raise
            raise AssertionError("unreachable")
        finally:
            self._last_used = time.monotonic()
            self._arm_idle_stop()
            self._lock.release()

    def shutdown(self) -> None:
        """Stop LibreOffice and remove its profile (waits for a conversion in progress, at most its limit)."""
        with self._lock:
            self._stop(graceful=True)

    def _arm_idle_stop(self) -> None:
        # Called with the lock held: one timer at a time, restarted by every conversion.
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self.idle > 0 and self._proc is not None:
            self._idle_timer = threading.Timer(self.idle, self._stop_if_idle)
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def _stop_if_idle(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # a conversion is running; it arms a new timer when it ends
        try:
            if self._proc is not None and time.monotonic() - self._last_used >= self.idle * 0.99:
                self._stop(graceful=True)
        finally:
            self._lock.release()

    def _ensure_started(self, deadline: float, timeout: float) -> bool:
        if self._unavailable is not None:
            raise Unavailable(self._unavailable)
        if self._proc is not None and (self._proc.poll() is not None or self._uses >= self.max_uses):
            self._stop(graceful=self._proc.poll() is None)  # a planned restart: let LibreOffice exit
        if self._proc is not None:
            return False
        if self.python is None or os.name != "posix":
            self._unavailable = "no system python3 for python3-uno"
            raise Unavailable(self._unavailable)
        self._work = Path(tempfile.mkdtemp(prefix="xlpy-lo-"))
        self._seeded = profile_seed.copy_into(self.soffice, self._work / "profile")
        self._converted = 0
        env = dict(self.env, HOME=str(self._work), TMPDIR=str(self._work))
        pipe = self._pipe = f"xlpy-pdf-{os.getpid()}-{id(self):x}-{self.starts}"
        self._proc = subprocess.Popen(
            [self.python, str(WORKER), self.soffice, (self._work / "profile").as_uri(), pipe],
            cwd=self._work,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # worker and LibreOffice in a group of their own: one killpg ends both
        )
        self.starts += 1
        self._uses = 0
        self._buffer = b""
        try:
            reply = self._reply(deadline, timeout)
        except _WorkerDied:
            reply = {"error": "the worker exited"}
        if reply.get("missing") == "uno":  # the worker's "import uno" failed: not worth trying again
            self._stop()
            self._unavailable = "python3-uno is not installed"
            raise Unavailable(self._unavailable)
        if not reply.get("ready"):
            if self._seeded:
                profile_seed.discard(self.soffice)  # the next start makes a fresh profile
            self._stop()
            raise RenderError(f"LibreOffice 未能启动，无法生成 PDF：{reply.get('error', '')}")
        return True

    def _convert_once(self, docx: bytes, deadline: float, timeout: float) -> bytes:
        assert self._proc is not None and self._proc.stdin is not None and self._work is not None
        self._uses += 1
        job = Path(tempfile.mkdtemp(prefix="job-", dir=self._work))
        try:
            src, dst = job / "report.docx", job / "report.pdf"
            src.write_bytes(docx)
            try:
                self._proc.stdin.write(json.dumps({"src": str(src), "dst": str(dst)}).encode() + b"\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                raise _WorkerDied from None
            reply = self._reply(deadline, timeout)
            if not reply.get("ok") or not dst.is_file():
                raise RenderError(f"LibreOffice 未能把报告转换为 PDF：{reply.get('error', '')}")
            self._converted += 1
            return dst.read_bytes()
        finally:
            shutil.rmtree(job, ignore_errors=True)

    def _reply(self, deadline: float, timeout: float) -> dict[str, Any]:
        """The worker's next line, read within the deadline (past it, LibreOffice is killed)."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(0.0, remaining))[0] if remaining > 0 else []
            if not ready:
                self._stop()
                raise RenderError(f"生成 PDF 超时：LibreOffice 在 {timeout:g} 秒内未完成转换，已终止并将重新启动。")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise _WorkerDied
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            value = json.loads(line)
        except ValueError:
            raise _WorkerDied from None
        return value if isinstance(value, dict) else {}

    def _stop(self, *, graceful: bool = False) -> None:
        """Stop LibreOffice: `graceful` (shutdown, idle, planned restart) lets it quit by itself first,
        so it removes its pipe files from /tmp; otherwise (time limit, error) it is killed at once."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        proc, work = self._proc, self._work
        self._proc, self._work = None, None
        if proc is not None and graceful and proc.poll() is None and proc.stdin is not None:
            try:
                proc.stdin.close()  # the worker asks LibreOffice to terminate, then ends its group
                proc.wait(timeout=GRACE_S)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker's group: the worker and LibreOffice
            except (ProcessLookupError, PermissionError, OSError):
                pass
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            proc.wait()
            if work is not None:  # a killed LibreOffice leaves its two pipe files in /tmp; the names are ours
                lo_pipes.remove((work / "profile").as_uri(), self._pipe)
        if work is not None:
            if self._converted and not self._seeded:  # a profile that has converted a report: the seed
                profile_seed.keep(self.soffice, work / "profile")
            shutil.rmtree(work, ignore_errors=True)


class _WorkerDied(Exception):
    """The worker's pipe closed or spoke nonsense: LibreOffice or the worker is gone."""


_shared: Converter | None = None
_shared_lock = threading.Lock()


def shared(soffice: str, env: dict[str, str]) -> Converter:
    """This process's converter for `soffice` (created on first use; replaced if `soffice` changes)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.soffice != soffice:
            if _shared is not None:
                _shared.shutdown()
            else:
                _register_exit()
            _shared = Converter(soffice, env)
        return _shared


def shutdown() -> None:
    """Stop this process's converter, if one runs (the CLI and the server call this when they end)."""
    global _shared
    with _shared_lock:
        conv, _shared = _shared, None
    if conv is not None:
        conv.shutdown()


_registered = False


def _register_exit() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    atexit.register(shutdown)
    # A multiprocessing worker leaves through os._exit, skipping atexit; its finalizers still run.
    from multiprocessing import util

    util.Finalize(None, shutdown, exitpriority=10)


def _forget_in_child() -> None:
    # A forked child must not talk to its parent's LibreOffice over the inherited pipes.
    global _shared, _shared_lock, _registered
    _shared, _shared_lock, _registered = None, threading.Lock(), False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
