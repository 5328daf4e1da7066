"""The embedded Weaviate: a real 1.39 server per data dir, persistent, recovered after SIGKILL."""

from __future__ import annotations

import os
import signal

import psutil
import pytest
from weaviate.classes.config import DataType, Property

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.runtime import weaviate_server
from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration


def test_session_server_is_a_real_weaviate_1_39(runtime: Runtime) -> None:
    client = runtime.weaviate()
    assert client.is_ready()
    assert client.get_meta()["version"].startswith("1.39.")
    state = runtime.managed()[0].read_state()
    assert state is not None
    assert state.health_url.startswith("http://127.0.0.1:")


def test_data_survives_a_sigkill_of_the_server(fresh_settings: Settings) -> None:
    rt = Runtime(fresh_settings)
    server = rt.managed()[0]
    first = server.ensure()
    try:
        client = rt.weaviate()
        notes = client.collections.create(
            "Note", properties=[Property(name="body", data_type=DataType.TEXT)]
        )
        uid = notes.data.insert({"body": "persist me"}, vector=[0.1, 0.2, 0.3])
        rt.close()
        os.kill(first.pid, signal.SIGKILL)
        psutil.Process(first.pid).wait(10)

        second = server.ensure()  # stale record -> a new process on the same data dir
        assert second.started and second.pid != first.pid
        obj = rt.weaviate().collections.get("Note").query.fetch_object_by_id(uid)
        assert obj is not None and obj.properties["body"] == "persist me"
    finally:
        rt.stop()


def test_second_runtime_on_the_same_data_dir_attaches(runtime: Runtime) -> None:
    other = Runtime(runtime.settings)
    handle = other.managed()[0].ensure()
    assert not handle.started
    assert handle.pid == runtime.managed()[0].read_state().pid
    assert other.weaviate().is_ready()
    other.close()


def test_weaviate_binary_setting_must_be_executable(tmp_path) -> None:
    bogus = tmp_path / "weaviate-server"
    bogus.write_text("not a program")
    settings = Settings(data_dir=tmp_path / "d", weaviate_binary=bogus)
    with pytest.raises(ConfigurationError, match="not an executable"):
        weaviate_server.resolve_binary(settings)


def test_connecting_calls_nothing_outside_this_machine(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every outbound HTTP(S) request is sent to a recording proxy on loopback: connecting
    to Weaviate must send none (the client's version check would ask pypi.org)."""
    import socket
    import threading

    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def record() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                seen.append(conn.recv(512))  # e.g. b"CONNECT pypi.org:443 ..."

    thread = threading.Thread(target=record, daemon=True)
    thread.start()
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    try:
        client = weaviate_server.connect(runtime.settings)
        assert client.is_ready()
        client.close()
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert seen == []
