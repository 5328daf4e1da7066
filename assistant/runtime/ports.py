"""Ports of the servers a data dir starts: chosen free once, then kept.

Weaviate's Raft state remembers its peers' addresses, and the state file of a
running server names its URL, so a data dir keeps the same ports across runs.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
        return True


def reserved_ports(
    path: Path, names: Iterable[str], preferred: Mapping[str, int | None] | None = None
) -> dict[str, int]:
    """Ports for ``names`` recorded in ``path``; missing ones are chosen and recorded."""
    preferred = preferred or {}
    try:
        ports: dict[str, int] = json.loads(path.read_text())
    except FileNotFoundError:
        ports = {}
    changed = False
    taken = set(ports.values())
    for name in names:
        want = preferred.get(name)
        if want is not None and ports.get(name) != want:
            ports[name] = want
            changed = True
        elif name not in ports:
            port = free_port()
            while port in taken:
                port = free_port()
            ports[name] = port
            changed = True
        taken.add(ports[name])
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(ports, indent=2))
        os.replace(tmp, path)
    return ports
