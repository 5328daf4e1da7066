"""The run command's process, end to end: start, SIGKILL, start again, stop cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from helpers import ServedApp

from assistant.runtime.process import healthy

pytestmark = pytest.mark.integration


def _state(data_dir: Path, name: str) -> dict:
    return json.loads((data_dir / "run" / f"{name}.json").read_text())


def test_sigkilled_app_restarts_adopting_its_servers_and_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    app = ServedApp(data_dir).start()
    try:
        first = {name: _state(data_dir, name) for name in ("weaviate", "generator")}
        assert "6 indexed" in app.tail()
        app.kill(signal.SIGKILL)
        # The servers outlive the killed app: they must be reused, not block the ports.
        for st in first.values():
            assert healthy(st["health_url"])

        app = ServedApp(data_dir, port=app.port).start()
        for name, st in first.items():
            again = _state(data_dir, name)
            assert again["pid"] == st["pid"], f"{name} was restarted instead of adopted"
            assert again["owner_pid"] == app.proc.pid
        assert "0 indexed, 6 unchanged" in app.tail()  # no lost or duplicated data

        assert app.kill(signal.SIGTERM) == 0 or app.proc.returncode in (0, -15)
        for st in first.values():
            proc_gone = not psutil.pid_exists(st["pid"]) or (
                psutil.Process(st["pid"]).status() == psutil.STATUS_ZOMBIE
            )
            assert proc_gone, "a clean stop leaves no server behind"
        assert not (data_dir / "run" / "weaviate.json").exists()
    finally:
        app.stop()
        subprocess.run(
            [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), "stop"],
            capture_output=True,
            timeout=120,
        )
