"""Start-up and memory of the whole stack, measured as a person experiences them.

    python -m benchmarks.startup            # warm start (x3) and idle memory
    python -m benchmarks.startup --cold     # also: cold setup from a fresh clone, empty caches

Warm start = `python -m assistant serve` on an installed, indexed data dir with no
server running, until Chromium shows the chat input. Peer, same session: a bare
Streamlit app (one `st.chat_input`) started the same way; results are reported
as times and as the ratio to that peer. Memory = resident set of the app process
plus the Weaviate and model servers it runs, idle after one page load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.report import write_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _time_to_chat_input(cmd: list[str], env: dict[str, str], port: int) -> tuple[float, object]:
    """Seconds from launching ``cmd`` until Chromium shows the chat input; returns the process."""
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd} exited with {proc.returncode}")
            try:
                page.goto(f"http://127.0.0.1:{port}", timeout=2000)
                page.get_by_test_id("stChatInputTextArea").wait_for(timeout=120_000)
                break
            except Exception:
                time.sleep(0.1)
        elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed, proc


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _stack_rss(data_dir: Path, app_pid: int) -> dict[str, float]:
    """Resident memory per part; every process counted once (the servers are the app's
    children when it started them)."""
    servers = {}
    for name in ("weaviate", "generator"):
        state = data_dir / "run" / f"{name}.json"
        if state.exists():
            servers[name] = json.loads(state.read_text())["pid"]
    app = psutil.Process(app_pid)
    others = {c.pid for c in app.children(recursive=True)} - set(servers.values())
    out = {
        "app": (app.memory_info().rss + sum(psutil.Process(p).memory_info().rss for p in others))
    }
    for name, pid in servers.items():
        out[name] = psutil.Process(pid).memory_info().rss
    out = {k: v / 2**20 for k, v in out.items()}
    out["total"] = sum(out.values())
    return out


def warm(model: str, runs: int) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_LOCAL_MODEL": model}
    port = _free_port()
    serve = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    first, proc = _time_to_chat_input(serve, env, port)  # installs if needed, indexes data/
    _stop(proc)
    times = []
    rss = {}
    for i in range(runs):
        elapsed, proc = _time_to_chat_input(serve, env, port)
        times.append(elapsed)
        if i == runs - 1:
            time.sleep(3)  # idle
            rss = _stack_rss(data_dir, proc.pid)
        _stop(proc)

    peer_dir = Path(tempfile.mkdtemp(prefix="bench-peer-"))
    (peer_dir / "app.py").write_text("import streamlit as st\nst.chat_input('Ask')\n")
    peer_cmd = [sys.executable, "-m", "streamlit", "run", str(peer_dir / "app.py"),
                "--server.port", str(port), "--server.headless", "true",
                "--browser.gatherUsageStats", "false"]  # fmt: skip
    peer_times, peer_rss = [], 0.0
    for _ in range(runs):
        elapsed, proc = _time_to_chat_input(peer_cmd, env, port)
        peer_times.append(elapsed)
        peer_rss = psutil.Process(proc.pid).memory_info().rss / 2**20
        _stop(proc)
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(peer_dir, ignore_errors=True)
    warm_s, peer_s = statistics.median(times), statistics.median(peer_times)
    return {
        "model": model,
        "first_start_with_indexing_s": round(first, 2),
        "warm_start_s": [round(t, 2) for t in times],
        "warm_start_median_s": round(warm_s, 2),
        "peer_bare_streamlit_median_s": round(peer_s, 2),
        "warm_start_ratio_to_peer": round(warm_s / peer_s, 2),
        "idle_rss_mib": {k: round(v) for k, v in rss.items()},
        "peer_bare_streamlit_rss_mib": round(peer_rss),
    }


def cold() -> dict:
    """Fresh clone, empty pip/Go/model caches: `make install` then `assistant setup`."""
    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    clone = work / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {
        **os.environ,
        "PIP_CACHE_DIR": str(work / "pip-cache"),
        "GOCACHE": str(work / "go-build"),
        "GOMODCACHE": str(work / "go-mod"),
        "ASSISTANT_CACHE_DIR": str(work / "assistant-cache"),
        "ASSISTANT_DATA_DIR": str(work / "data"),
    }
    env.pop("VIRTUAL_ENV", None)
    steps = {}
    for name, cmd in (
        ("make_install", ["make", "install"]),
        ("setup_weaviate_and_model", [".venv/bin/python", "-m", "assistant", "setup"]),
    ):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=clone, env=env, check=True, stdout=subprocess.DEVNULL)
        steps[name] = round(time.perf_counter() - t0, 1)
    steps["total_s"] = round(sum(steps.values()), 1)
    shutil.rmtree(work, ignore_errors=True)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_model = os.environ.get("ASSISTANT_LOCAL_MODEL", "qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--model", default=default_model)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also measure a cold setup")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "startup.json"
    )
    args = parser.parse_args()
    result = {
        "warm": warm(args.model, args.runs),
    }
    if args.cold:
        result["cold_setup"] = cold()
    write_report(result, args.out)


if __name__ == "__main__":
    main()
