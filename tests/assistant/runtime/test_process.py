"""ManagedServer against real processes: start, attach, crash recovery, adoption, races."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from assistant.errors import ServerStartError
from assistant.runtime.ports import free_port
from assistant.runtime.process import ManagedServer, ServerSpec, healthy

PING_SERVER = textwrap.dedent(
    """
    import http.server, os, sys
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "crash":
        print("cannot start: simulated failure", flush=True)
        sys.exit(3)
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if mode == "ok" else 503)
            self.end_headers()
            self.wfile.write(str(os.getpid()).encode())
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


def make_server(tmp_path: Path, port: int, mode: str = "ok", timeout: float = 15) -> ManagedServer:
    spec = ServerSpec(
        name="ping",
        argv=[sys.executable, "-c", PING_SERVER, str(port), mode],
        health_url=f"http://127.0.0.1:{port}/health",
        ready_timeout_s=timeout,
        stop_timeout_s=5,
    )
    return ManagedServer(spec, tmp_path / "run", tmp_path / "logs")


@pytest.fixture()
def port() -> int:
    return free_port()


def test_first_ensure_starts_and_a_second_attaches(tmp_path: Path, port: int) -> None:
    first = make_server(tmp_path, port)
    started = first.ensure()
    assert started.started and psutil.pid_exists(started.pid)
    attached = make_server(tmp_path, port).ensure()
    assert not attached.started
    assert attached.pid == started.pid
    assert first.stop() is True
    assert not psutil.pid_exists(started.pid) or psutil.Process(started.pid).status() == "zombie"
    assert not healthy(f"http://127.0.0.1:{port}/health")
    assert first.read_state() is None


def test_a_killed_server_is_replaced_from_its_stale_record(tmp_path: Path, port: int) -> None:
    server = make_server(tmp_path, port)
    old = server.ensure()
    os.kill(old.pid, signal.SIGKILL)
    psutil.Process(old.pid).wait(5)
    messages: list[str] = []
    new = server.ensure(messages.append)
    try:
        assert new.started and new.pid != old.pid
        assert any("stale record" in m for m in messages)
        assert healthy(new.health_url)
    finally:
        server.stop()


def test_a_server_whose_owner_was_sigkilled_is_adopted(tmp_path: Path, port: int) -> None:
    owner_code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_process import make_server
        from pathlib import Path
        h = make_server(Path({str(tmp_path)!r}), {port}).ensure()
        print(h.pid, flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", owner_code], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    server_pid = int(owner.stdout.readline())
    owner.kill()  # SIGKILL: its atexit never runs, the server is left behind
    owner.wait()
    adopter = make_server(tmp_path, port)
    handle = adopter.ensure()
    try:
        assert not handle.started and handle.pid == server_pid
        state = adopter.read_state()
        assert state is not None and state.owner_pid == os.getpid()
    finally:
        adopter.stop()
    assert not healthy(f"http://127.0.0.1:{port}/health")


def test_an_unhealthy_live_server_is_restarted(tmp_path: Path, port: int) -> None:
    sick = make_server(tmp_path, port, mode="sick", timeout=2)
    with pytest.raises(ServerStartError, match="did not become ready"):
        sick.ensure()
    # The failed start cleaned up after itself: nothing left running, no record.
    assert sick.read_state() is None
    # A record that points at a live but unhealthy process is replaced on the next ensure().
    proc = subprocess.Popen([sys.executable, "-c", PING_SERVER, str(port), "sick"])
    try:
        time.sleep(0.5)
        state = {
            "pid": proc.pid, "create_time": psutil.Process(proc.pid).create_time(),
            "health_url": f"http://127.0.0.1:{port}/health", "argv": [], "owner_pid": 1,
            "owner_create_time": 0.0, "started_at": time.time(),
        }  # fmt: skip
        (tmp_path / "run").mkdir(exist_ok=True)
        (tmp_path / "run" / "ping.json").write_text(json.dumps(state))
        healthy_server = make_server(tmp_path, port, timeout=2)
        handle = healthy_server.ensure()
        assert handle.started and handle.pid != proc.pid
        assert proc.wait(10) is not None  # the sick one was terminated
        healthy_server.stop()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_server_that_exits_at_start_is_reported_with_its_log(tmp_path: Path, port: int) -> None:
    server = make_server(tmp_path, port, mode="crash")
    with pytest.raises(ServerStartError) as info:
        server.ensure()
    message = str(info.value)
    assert "exited with code 3" in message
    assert "simulated failure" in message  # the log tail names the cause
    assert server.read_state() is None


def test_a_foreign_program_on_the_port_is_named_not_clobbered(tmp_path: Path, port: int) -> None:
    # another program: its command line is not the one this data dir starts
    foreign = subprocess.Popen([sys.executable, "-c", PING_SERVER, str(port), "ok", "foreign"])
    try:
        deadline = time.monotonic() + 10
        while not healthy(f"http://127.0.0.1:{port}/health") and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(ServerStartError, match="already answers"):
            make_server(tmp_path, port).ensure()
        assert foreign.poll() is None  # left alone
    finally:
        foreign.kill()
        foreign.wait()


def test_a_server_whose_record_was_removed_is_found_by_its_port_and_command(
    tmp_path: Path, port: int
) -> None:
    """Its record deleted while it ran: ``ensure`` adopts it (not "something else answers"),
    and ``stop`` still stops it (not "nothing was running")."""
    server = make_server(tmp_path, port)
    first = server.ensure()
    server.state_path.unlink()
    again = make_server(tmp_path, port).ensure()
    assert (again.pid, again.started) == (first.pid, False)
    assert server.read_state() is not None and server.read_state().pid == first.pid
    server.state_path.unlink()
    assert make_server(tmp_path, port).stop() is True
    assert not healthy(first.health_url)
    assert not psutil.pid_exists(first.pid) or psutil.Process(first.pid).status() == "zombie"
    assert make_server(tmp_path, port).stop() is False  # and then nothing is running


def test_concurrent_starts_on_one_data_dir_make_one_server(tmp_path: Path, port: int) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_process import make_server
        from pathlib import Path
        server = make_server(Path({str(tmp_path)!r}), {port})
        handle = server.ensure()
        print(handle.pid, flush=True)
        sys.stdin.read()  # hold on until the test has compared pids
        """
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    pids = {int(p.stdout.readline()) for p in procs if p.stdout}
    for p in procs:
        p.communicate("")
    assert len(pids) == 1
    server = make_server(tmp_path, port)
    if server.read_state():  # the owner stopped it at exit, or it is still recorded
        server.stop()
