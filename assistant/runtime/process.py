"""Managed server processes: one per data dir, started once, shared, recovered after a crash.

A server is described by a ``ServerSpec``. ``ManagedServer.ensure()`` takes an
inter-process file lock, then either attaches to the instance recorded in the
state file (alive and healthy), or clears a stale record (the process died, or
hangs unhealthy) and starts a fresh one. The process that starts a server owns
it and stops it at exit; a server whose owner died (SIGKILL) is adopted by the
next process that uses it, so nothing is left orphaned and nothing blocks a port.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
from filelock import FileLock, Timeout

from assistant.errors import ServerStartError

log = logging.getLogger(__name__)

# Popen objects of servers this process started: kept so they are reaped, not GC-warned.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ServerSpec:
    name: str
    argv: Sequence[str]
    health_url: str
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    ready_timeout_s: float = 120.0
    stop_timeout_s: float = 20.0


@dataclass
class ServerState:
    pid: int
    create_time: float
    health_url: str
    argv: list[str]
    owner_pid: int
    owner_create_time: float
    started_at: float


@dataclass(frozen=True)
class ServerHandle:
    name: str
    pid: int
    health_url: str
    started: bool  # this call started it (False: attached to a running one)


def _create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def _alive(pid: int, create_time: float) -> bool:
    """True if ``pid`` is still the process we recorded (pids get reused)."""
    ct = _create_time(pid)
    if ct is None or abs(ct - create_time) > 1.0:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _gone(proc: psutil.Process) -> bool:
    """Exited: no such process, or a zombie (a server adopted from a dead owner is not our
    child, and whoever is its parent now may never reap it)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(proc: psutil.Process, timeout_s: float) -> bool:
    child = _CHILDREN.get(proc.pid)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            return True
        if _gone(proc):
            return True
        time.sleep(0.05)
    return False


def terminate(pid: int, timeout_s: float) -> None:
    """SIGTERM, wait, then SIGKILL; reaps the process if it is our child."""
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        _CHILDREN.pop(pid, None)
        return
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.send_signal(signal.SIGTERM)
        if not _wait_gone(proc, timeout_s):
            log.warning("pid %s ignored SIGTERM for %.0fs; sending SIGKILL", pid, timeout_s)
            proc.kill()
            _wait_gone(proc, 10)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.wait(timeout=5)


class ManagedServer:
    """A server process keyed by ``run_dir/name``: ensure() it, stop() it."""

    def __init__(self, spec: ServerSpec, run_dir: Path, log_dir: Path) -> None:
        self.spec = spec
        self.run_dir = run_dir
        self.log_path = log_dir / f"{spec.name}.log"
        self.state_path = run_dir / f"{spec.name}.json"
        self._lock = FileLock(str(run_dir / f"{spec.name}.lock"))
        self._owned = False
        self._atexit_registered = False
        self._mutex = threading.Lock()

    # -- state file -------------------------------------------------------
    def read_state(self) -> ServerState | None:
        try:
            return ServerState(**json.loads(self.state_path.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as err:
            log.warning("ignoring unreadable state file %s: %s", self.state_path, err)
            return None

    def _write_state(self, state: ServerState) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state)))
        os.replace(tmp, self.state_path)

    def _clear_state(self) -> None:
        self.state_path.unlink(missing_ok=True)

    # -- lifecycle --------------------------------------------------------
    def running(self) -> ServerHandle | None:
        """The live, healthy instance recorded for this data dir, if any (no lock, no start)."""
        state = self.read_state()
        if state and _alive(state.pid, state.create_time) and healthy(state.health_url):
            return ServerHandle(self.spec.name, state.pid, state.health_url, started=False)
        return None

    def ensure(self, progress: Callable[[str], None] | None = None) -> ServerHandle:
        say = progress or (lambda _msg: None)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        wait = self.spec.ready_timeout_s + self.spec.stop_timeout_s + 30
        with self._mutex:
            try:
                with self._lock.acquire(timeout=wait):
                    return self._ensure_locked(say)
            except Timeout as err:
                raise ServerStartError(
                    f"{self.spec.name}: another process held {self._lock.lock_file} for "
                    f"{wait:.0f}s while starting the server.",
                    fix="Check `python -m assistant doctor`; if nothing is starting, "
                    "remove the lock file and retry.",
                ) from err

    def _ensure_locked(self, say: Callable[[str], None]) -> ServerHandle:
        state = self.read_state()
        if state is not None:
            if _alive(state.pid, state.create_time):
                if self._wait_healthy(state.pid, state.health_url, self.spec.ready_timeout_s):
                    self._adopt_if_orphaned(state)
                    return ServerHandle(self.spec.name, state.pid, state.health_url, False)
                say(f"{self.spec.name}: pid {state.pid} is not healthy; restarting it")
                terminate(state.pid, self.spec.stop_timeout_s)
            else:
                say(f"{self.spec.name}: recovering from a stale record (pid {state.pid} is gone)")
            self._clear_state()
        if (lost := self._unrecorded()) is not None:
            say(f"{self.spec.name}: pid {lost.pid} runs without its record; adopting it")
            return self._adopt_unrecorded(lost)
        if healthy(self.spec.health_url, timeout=1.0):
            raise ServerStartError(
                f"{self.spec.name}: something not started by this data dir already answers at "
                f"{self.spec.health_url}.",
                fix="Stop that program or configure another port.",
            )
        return self._start(say)

    def _start(self, say: Callable[[str], None]) -> ServerHandle:
        say(f"{self.spec.name}: starting ({self.spec.argv[0]})")
        env = {**os.environ, **self.spec.env}
        with open(self.log_path, "ab") as logf:
            proc = subprocess.Popen(
                list(self.spec.argv),
                env=env,
                cwd=self.spec.cwd,
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=subprocess.STDOUT,
                # Own session: Ctrl-C in the terminal goes to the app, which stops us cleanly.
                start_new_session=True,
            )
        _CHILDREN[proc.pid] = proc
        me = psutil.Process()
        state = ServerState(
            pid=proc.pid,
            create_time=_create_time(proc.pid) or time.time(),
            health_url=self.spec.health_url,
            argv=list(self.spec.argv),
            owner_pid=me.pid,
            owner_create_time=me.create_time(),
            started_at=time.time(),
        )
        self._write_state(state)
        self._take_ownership()
        t0 = time.monotonic()
        if not self._wait_healthy(proc.pid, self.spec.health_url, self.spec.ready_timeout_s):
            code = proc.poll()
            terminate(proc.pid, self.spec.stop_timeout_s)
            self._clear_state()
            self._owned = False
            how = f"exited with code {code}" if code is not None else "did not become ready"
            raise ServerStartError(
                f"{self.spec.name} {how} within {self.spec.ready_timeout_s:.0f}s. "
                f"Last lines of {self.log_path}:\n{self._log_tail()}",
                fix="Fix the cause above and start again.",
            )
        say(f"{self.spec.name}: ready in {time.monotonic() - t0:.1f}s (pid {proc.pid})")
        return ServerHandle(self.spec.name, proc.pid, self.spec.health_url, started=True)

    def _wait_healthy(self, pid: int, url: str, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        create_time = _create_time(pid)
        while time.monotonic() < deadline:
            if healthy(url, timeout=2.0):
                return True
            if create_time is None or not _alive(pid, create_time):
                return False
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)  # reap our own child if it died
            time.sleep(0.1)
        return False

    def _unrecorded(self) -> psutil.Process | None:
        """This data dir's server, still listening on its port with the very command line it
        was started with, whose record is gone (removed while it ran): found so it can be
        stopped or adopted rather than left running, or taken for a foreign program."""
        port = urlsplit(self.spec.health_url).port
        try:
            listening = psutil.net_connections("tcp")
        except psutil.AccessDenied:  # some systems hide other processes' sockets
            return None
        for conn in listening:
            if conn.status != psutil.CONN_LISTEN or conn.laddr.port != port or not conn.pid:
                continue
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(conn.pid)
                if proc.cmdline() == list(self.spec.argv):
                    return proc
        return None

    def _adopt_unrecorded(self, proc: psutil.Process) -> ServerHandle:
        me = psutil.Process()
        self._write_state(
            ServerState(
                pid=proc.pid,
                create_time=proc.create_time(),
                health_url=self.spec.health_url,
                argv=list(self.spec.argv),
                owner_pid=me.pid,
                owner_create_time=me.create_time(),
                started_at=proc.create_time(),
            )
        )
        self._take_ownership()
        return ServerHandle(self.spec.name, proc.pid, self.spec.health_url, started=False)

    def _adopt_if_orphaned(self, state: ServerState) -> None:
        if _alive(state.owner_pid, state.owner_create_time):
            return
        me = psutil.Process()
        state.owner_pid, state.owner_create_time = me.pid, me.create_time()
        self._write_state(state)
        log.info("%s: adopted pid %s from a process that is gone", self.spec.name, state.pid)
        self._take_ownership()

    def _take_ownership(self) -> None:
        self._owned = True
        if not self._atexit_registered:
            atexit.register(self.stop_if_owned)
            self._atexit_registered = True

    def stop_if_owned(self) -> None:
        if self._owned:
            self.stop()

    def stop(self) -> bool:
        """Stop the recorded instance (whoever started it). True if one was running."""
        with self._lock.acquire(timeout=self.spec.stop_timeout_s + 30):
            state = self.read_state()
            self._owned = False
            if state is None:
                if (lost := self._unrecorded()) is None:
                    return False
                terminate(lost.pid, self.spec.stop_timeout_s)
                return True
            was_alive = _alive(state.pid, state.create_time)
            if was_alive:
                terminate(state.pid, self.spec.stop_timeout_s)
            self._clear_state()
            return was_alive

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:])
