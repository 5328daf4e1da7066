"""A throwaway PostgreSQL server on its own port and data dir, for tests that need a real
server they may also stop and restart (the session's shared one and the fault tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from assistant.runtime.ports import free_port


def pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PostgresServer:
    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        # Not under pytest's tmp dir: that is private to root, and the server runs as postgres.
        self.root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.sock.mkdir()
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root; use the postgres system user
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
            self.root.chmod(0o755)
        user = ("-U", "assistant")
        self._run(self.bin / "initdb", "-D", self.data, *user, "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, *user, "kb")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://assistant@127.0.0.1:{self.port}/kb"

    def _run(self, *cmd: object) -> None:
        subprocess.run(
            [*self.as_user, *map(str, cmd)], check=True, capture_output=True, text=True, timeout=120
        )

    def _ctl(self, *cmd: str) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "pg.log", "-w", *cmd)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1"
        self._ctl("start", "-o", opts)

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back and their clients disconnected."""
        self._ctl("-m", "fast", "stop")

    def close(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)
