"""Health of every part: what `doctor` prints and the status page shows."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

from pydantic import BaseModel

from assistant.errors import AssistantError
from assistant.phrases import counted
from assistant.runtime.stack import Runtime
from assistant.storage import db

DISK_WARN = 0.85  # share of the data dir's disk in use that the status page warns at


class PartHealth(BaseModel):
    ok: bool
    required: bool = True
    version: str | None = None
    where: str | None = None
    detail: str | None = None
    latency_ms: float | None = None


class HealthReport(BaseModel):
    parts: dict[str, PartHealth]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.parts.values() if p.required)


def _timed(check: Callable[[], PartHealth]) -> PartHealth:
    t0 = time.perf_counter()
    try:
        part = check()
    except AssistantError as err:
        part = PartHealth(ok=False, detail=str(err))
    except Exception as err:  # a health check reports every failure, whatever its type
        part = PartHealth(ok=False, detail=f"{type(err).__name__}: {err}")
    part.latency_ms = round((time.perf_counter() - t0) * 1000, 1)
    return part


def check_weaviate(rt: Runtime) -> PartHealth:
    client = rt.weaviate()
    meta = client.get_meta()
    where = rt.settings.weaviate_url or "embedded"
    if rt.settings.uses_embedded_weaviate:
        state = rt.managed(parts=["weaviate"])[0].read_state()
        if state:
            where = f"embedded, pid {state.pid}, {state.health_url.rsplit('/v1', 1)[0]}"
    nodes = client.cluster.nodes()
    detail = counted(len(nodes), "node")
    if rt.settings.uses_embedded_weaviate:
        detail += f"; data dir {rt.settings.weaviate_data_dir}"
        if restarts := rt.revivals["weaviate"]:
            detail += (
                f"; it stopped answering and was started again {counted(restarts, 'time')} "
                "since the app started"
            )
    return PartHealth(
        ok=client.is_ready(),
        version=str(meta.get("version")),
        where=where,
        detail=detail,
    )


def check_database(rt: Runtime) -> PartHealth:
    engine = rt.engine
    current, head = db.current_revision(engine), db.head_revision()
    return PartHealth(
        ok=current == head,
        version=db.server_version(engine),
        where=engine.url.render_as_string(hide_password=True),
        detail=f"schema revision {current} (newest {head})",
    )


def check_embedder(rt: Runtime) -> PartHealth:
    emb = rt.embedder
    vec = emb.embed_query("health check")
    return PartHealth(
        ok=vec.shape == (emb.dim,) and abs(float((vec**2).sum()) - 1.0) < 1e-3,
        version=f"{emb.name} ({getattr(emb, 'version', '')})",
        where="in process" if rt.settings.embeddings == "onnx" else rt.settings.embeddings_base_url,
        detail=f"dim {emb.dim}",
    )


def check_generator(rt: Runtime) -> PartHealth:
    g = rt.generator
    client = rt.openai_client(timeout_s=10, max_retries=0)
    ids = [m.id for m in client.models.list().data]
    where, detail = g.base_url, f"models served: {', '.join(ids) or 'none'}"
    if g.local:
        server = rt.managed(parts=["generator"])[0]
        state = server.read_state()
        where = f"local llama.cpp server, pid {state.pid if state else '?'}, {g.base_url}"
        if restarts := rt.revivals["generator"]:
            detail += (
                f"; it stopped answering and was started again {counted(restarts, 'time')} "
                f"since the app started: its log says why ({server.log_path})"
            )
    version = g.model
    try:  # llama.cpp's server does not report its own version; ask the package
        import llama_cpp

        version += f" (llama-cpp-python {llama_cpp.__version__})" if g.local else ""
    except ImportError:
        pass
    return PartHealth(
        ok=not g.local or g.model in ids,
        version=version,
        where=where,
        detail=detail,
    )


def check_index(rt: Runtime) -> PartHealth:
    """Whether there is anything to search: an empty index refuses every question."""
    store = rt.store()
    chunks = store.count_chunks() if store.indexed() else 0
    documents = len(store.list_documents()) if chunks else 0
    return PartHealth(
        ok=chunks > 0,
        required=False,  # every part is up; there is nothing in it to find
        where=f"collection {rt.settings.collection_prefix}Chunk",
        detail=f"{counted(documents, 'document')}, {counted(chunks, 'passage')} indexed",
    )


def check_disk(rt: Runtime) -> PartHealth:
    """Room left where the data dir is: Weaviate stops writing at 90% use."""
    where = rt.settings.data_dir
    where.mkdir(parents=True, exist_ok=True)
    usage = shutil.disk_usage(where)
    used = usage.used / usage.total if usage.total else 1.0
    return PartHealth(
        ok=used < DISK_WARN,
        required=False,
        version=None,
        where=str(where),
        detail=f"{used:.0%} used, {usage.free / 2**30:.1f} GiB free "
        f"(warned at {DISK_WARN:.0%}; Weaviate stops writing at 90%)",
    )


CHECKS: dict[str, Callable[[Runtime], PartHealth]] = {
    "weaviate": check_weaviate,
    "index": check_index,
    "database": check_database,
    "embedder": check_embedder,
    "generator": check_generator,
    "disk": check_disk,
}


def check_all(rt: Runtime) -> HealthReport:
    return HealthReport(parts={name: _timed(lambda c=c: c(rt)) for name, c in CHECKS.items()})
