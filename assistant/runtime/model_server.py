"""The local generator: llama.cpp's OpenAI-compatible server over a pinned GGUF model.

Started like Weaviate (one per data dir, shared, recovered) when no
``OPENAI_BASE_URL``/``OPENAI_API_KEY`` is configured. The rest of the app talks
to it with the ``openai`` client exactly as it would to a hosted model.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import httpx

from assistant.config import Settings
from assistant.errors import InstallError
from assistant.runtime.models import LocalModel
from assistant.runtime.ports import reserved_ports
from assistant.runtime.process import ManagedServer, ServerSpec

API_KEY = "local"  # llama.cpp's server does not check it; the openai client needs one


def check_installed() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise InstallError(
            "The local model server (llama-cpp-python) is not installed.",
            fix="Run `make run` (it installs the `local-llm` extra), or set OPENAI_BASE_URL "
            "to an OpenAI-compatible endpoint.",
        )


def port(settings: Settings) -> int:
    return reserved_ports(
        settings.run_dir / "generator.ports.json", ["http"], {"http": settings.local_model_port}
    )["http"]


def base_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{port(settings)}/v1"


def count_prompt_tokens(base_url: str, messages: list[dict]) -> int | None:
    """Tokens of the messages by the served model's tokenizer (llama.cpp's server does not
    report usage when streaming). Excludes the chat template's few framing tokens."""
    return count_tokens(base_url, "\n".join(str(m.get("content", "")) for m in messages))


def count_tokens(base_url: str, text: str) -> int | None:
    """Tokens of ``text`` by the served model's tokenizer; None if it cannot tell."""
    root = base_url.rstrip("/").removesuffix("/v1")
    try:
        resp = httpx.post(f"{root}/extras/tokenize", json={"input": text}, timeout=10)
        resp.raise_for_status()
        return len(resp.json()["tokens"])
    except (httpx.HTTPError, KeyError, ValueError):
        return None


def server_spec(settings: Settings, model: LocalModel, model_file: Path) -> ServerSpec:
    p = port(settings)
    argv = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_file),
        "--model_alias", model.name,
        "--host", "127.0.0.1",
        "--port", str(p),
        "--n_threads", str(settings.local_model_threads),
        # Prompt evaluation (time to first token) is compute-bound: it gets the same threads.
        "--n_threads_batch", str(settings.local_model_threads),
        "--n_ctx", str(settings.local_model_context),
        "--n_batch", "512",
        # A new request must wait its turn, not cut the answer being written for someone
        # else short (the server's default). A reader who stops closes the request, and the
        # server stops writing when it sees the connection gone.
        "--interrupt_requests", "False",
    ]  # fmt: skip
    if model.chat_format:
        argv += ["--chat_format", model.chat_format]
    return ServerSpec(
        name="generator",
        argv=argv,
        health_url=f"http://127.0.0.1:{p}/v1/models",
        ready_timeout_s=settings.start_timeout_s,
    )


def managed_server(settings: Settings, model: LocalModel, model_file: Path) -> ManagedServer:
    return ManagedServer(
        server_spec(settings, model, model_file), settings.run_dir, settings.log_dir
    )
