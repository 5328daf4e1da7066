"""The Weaviate server: its binary (configured, cached, built or downloaded) and how it runs.

The embedded default is a single node bound to loopback with persistence under
the data dir, bring-your-own vectors and no cloud modules. ``WEAVIATE_URL``
skips all of this and connects to that server instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import weaviate
from weaviate.classes.init import AdditionalConfig, Auth, Timeout

from assistant.config import Settings
from assistant.errors import ConfigurationError, DependencyUnavailable, InstallError
from assistant.runtime.ports import reserved_ports
from assistant.runtime.process import ManagedServer, ServerSpec

GO_MODULE = "github.com/weaviate/weaviate/cmd/weaviate-server"
NODE_NAME = "node1"  # fixed: shards belong to the node name; a new name orphans the data
PORT_NAMES = ("http", "grpc", "gossip", "data", "raft", "raft_rpc")

Say = Callable[[str], None]


def cached_binary(settings: Settings) -> Path:
    return settings.cache_dir / "weaviate" / f"v{settings.weaviate_version}" / "weaviate-server"


def resolve_binary(settings: Settings, say: Say = print) -> Path:
    """WEAVIATE_BINARY, else the cache, else build with Go, else the client's download."""
    if settings.weaviate_binary is not None:
        if not os.access(settings.weaviate_binary, os.X_OK):
            raise ConfigurationError(
                f"WEAVIATE_BINARY={settings.weaviate_binary} is not an executable file.",
                fix="Point it at a weaviate-server binary or unset it.",
            )
        return settings.weaviate_binary
    target = cached_binary(settings)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    go = shutil.which("go")
    if go:
        _build_with_go(go, settings.weaviate_version, target, say)
        return target
    say("Go is not installed; trying weaviate-client's embedded download (needs internet).")
    try:
        _download_release(settings.weaviate_version, target)
    except Exception as err:
        raise InstallError(
            f"No weaviate-server binary: not at {target}, Go is not installed to build "
            f"v{settings.weaviate_version}, and the release download failed ({err}).",
            fix="Install Go (https://go.dev/dl) and start again, set WEAVIATE_BINARY to a "
            "weaviate-server binary, or set WEAVIATE_URL to a running Weaviate.",
        ) from err
    return target


def _build_with_go(go: str, version: str, target: Path, say: Say) -> None:
    say(
        f"Building Weaviate v{version} from its Go module (first run only; several minutes "
        "on 2 cores). Progress below is Go's own."
    )
    with tempfile.TemporaryDirectory(prefix="weaviate-build-", dir=target.parent) as gobin:
        env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": gobin, "GOFLAGS": "-mod=mod"}
        cmd = [
            go, "install", "-v", "-trimpath", "-tags", "netgo", "-ldflags=-s -w",
            f"{GO_MODULE}@v{version}",
        ]  # fmt: skip
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        tail: list[str] = []
        built = 0
        for line in proc.stdout:
            line = line.rstrip()
            tail = [*tail[-30:], line]
            if line.startswith("go: downloading"):
                continue
            built += 1
            if built % 50 == 0:
                say(f"  ... {built} packages compiled, {time.monotonic() - t0:.0f}s")
        if proc.wait() != 0:
            joined = "\n".join(tail)
            raise InstallError(
                f"`go install {GO_MODULE}@v{version}` failed:\n{joined}",
                fix="Fix the Go error above (a module the proxy refuses? set "
                "ASSISTANT_WEAVIATE_VERSION to another 1.39.x), or set WEAVIATE_BINARY.",
            )
        os.replace(Path(gobin) / "weaviate-server", target)
    say(f"Built {target} in {time.monotonic() - t0:.0f}s")


def _download_release(version: str, target: Path) -> None:
    from weaviate.embedded import EmbeddedOptions, EmbeddedV4

    with tempfile.TemporaryDirectory() as scratch:
        opts = EmbeddedOptions(binary_path=str(target.parent), persistence_data_path=scratch)
        opts.version = version
        embedded = EmbeddedV4(opts)
        embedded.ensure_weaviate_binary_exists()
        os.replace(embedded._weaviate_binary_path, target)


def server_spec(settings: Settings, binary: Path) -> ServerSpec:
    ports = reserved_ports(
        settings.run_dir / "weaviate.ports.json", PORT_NAMES, {"http": settings.weaviate_port}
    )
    settings.weaviate_data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "PERSISTENCE_DATA_PATH": str(settings.weaviate_data_dir),
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
        "DEFAULT_VECTORIZER_MODULE": "none",
        "API_BASED_MODULES_DISABLED": "true",
        # Backups (`python -m assistant backup`) go through Weaviate's own module, to a
        # folder each request names; this is its default.
        "ENABLE_MODULES": "backup-filesystem",
        "BACKUP_FILESYSTEM_PATH": str(settings.data_dir / "backups" / "weaviate"),
        "CLUSTER_HOSTNAME": NODE_NAME,
        "CLUSTER_BIND_ADDR": "127.0.0.1",
        "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
        "CLUSTER_GOSSIP_BIND_PORT": str(ports["gossip"]),
        "CLUSTER_DATA_BIND_PORT": str(ports["data"]),
        "RAFT_PORT": str(ports["raft"]),
        "RAFT_INTERNAL_RPC_PORT": str(ports["raft_rpc"]),
        "RAFT_BOOTSTRAP_EXPECT": "1",
        # One node: no peers to wait for, so the default 5x raft timeouts only delay start-up.
        "RAFT_TIMEOUTS_MULTIPLIER": "1",
        "RAFT_JOIN": NODE_NAME,
        "GRPC_PORT": str(ports["grpc"]),
        "DISABLE_TELEMETRY": "true",
        "GO_PROFILING_DISABLE": "true",
        "LIMIT_RESOURCES": "true",
        "LOG_LEVEL": "warning",
        "QUERY_DEFAULTS_LIMIT": "25",
    }
    argv = [str(binary), "--host", "127.0.0.1", "--port", str(ports["http"]), "--scheme", "http"]
    return ServerSpec(
        name="weaviate",
        argv=argv,
        env=env,
        health_url=f"http://127.0.0.1:{ports['http']}/v1/.well-known/ready",
        ready_timeout_s=settings.start_timeout_s,
    )


def managed_server(settings: Settings, binary: Path) -> ManagedServer:
    return ManagedServer(server_spec(settings, binary), settings.run_dir, settings.log_dir)


def embedded_ports(settings: Settings) -> dict[str, int]:
    return reserved_ports(settings.run_dir / "weaviate.ports.json", PORT_NAMES)


def connect(settings: Settings) -> weaviate.WeaviateClient:
    """A connected v4 client for WEAVIATE_URL, or for this data dir's embedded server."""
    timeout = AdditionalConfig(timeout=Timeout(init=10, query=60, insert=120))
    # The client's start-up checks ask pypi.org for its latest version on every connect:
    # a call to the internet at run time (and, where it is closed, a wait of up to the init
    # timeout). Skipped; the connection itself is still checked (the server's version).
    offline = {"skip_init_checks": True}
    try:
        if settings.weaviate_url:
            url = urlparse(settings.weaviate_url)
            secure = url.scheme == "https"
            auth = (
                Auth.api_key(settings.weaviate_api_key.get_secret_value())
                if settings.weaviate_api_key
                else None
            )
            client = weaviate.connect_to_custom(
                http_host=url.hostname or "localhost",
                http_port=url.port or (443 if secure else 80),
                http_secure=secure,
                grpc_host=url.hostname or "localhost",
                grpc_port=settings.weaviate_grpc_port or 50051,
                grpc_secure=secure,
                auth_credentials=auth,
                additional_config=timeout,
                **offline,
            )
        else:
            ports = embedded_ports(settings)
            client = weaviate.connect_to_local(
                host="127.0.0.1",
                port=ports["http"],
                grpc_port=ports["grpc"],
                additional_config=timeout,
                **offline,
            )
    except Exception as err:  # the client raises several unrelated types for "unreachable"
        where = settings.weaviate_url or "the embedded server"
        raise DependencyUnavailable(
            f"Cannot connect to Weaviate at {where}: {err}",
            fix="Check that it is running (`python -m assistant doctor`).",
        ) from err
    return client
