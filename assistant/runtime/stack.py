"""The running stack of one data dir: install, start and connect every real part.

``Runtime`` is what the CLI, the pages and the tests hold. It installs what the
embedded defaults need (Weaviate binary, model file), starts the servers (or
attaches to running ones, or uses configured endpoints), and hands out clients.
All of it is safe to share between threads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import openai
import weaviate
from filelock import FileLock
from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.errors import DependencyUnavailable
from assistant.index.embeddings import Embedder, make_embedder, make_multilingual_embedder
from assistant.index.ingest import Ingestor, IngestSummary, Progress
from assistant.index.retrieve import RetrievalConfig, Retriever
from assistant.index.store import Store
from assistant.runtime import model_server, models, weaviate_server
from assistant.runtime.process import ManagedServer
from assistant.storage import db

Say = Callable[[str], None]


def _quiet(_msg: str) -> None:
    pass


@dataclass(frozen=True)
class GeneratorEndpoint:
    base_url: str
    api_key: str
    model: str
    local: bool


log = logging.getLogger(__name__)
# Entry-point group of callables (engine, store) -> note | None, run after documents change.
INDEX_CHANGED = "knowledge_assistant.index_changed"


EVERY_PART = ("weaviate", "generator")  # the servers a data dir may run itself


class Runtime:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._lock = threading.Lock()
        self._client: weaviate.WeaviateClient | None = None
        self._servers: dict[str, ManagedServer] = {}
        self._reviving: dict[str, threading.Thread] = {}
        self.revivals: Counter[str] = Counter()  # servers started again since this start

    # -- install ----------------------------------------------------------
    @cached_property
    def local_model(self) -> models.LocalModel:
        return models.lookup(self.settings.local_model)

    def install(self, say: Say = print) -> None:
        """Everything the embedded defaults need on disk. Idempotent; fast when done."""
        if self.settings.uses_embedded_weaviate:
            weaviate_server.resolve_binary(self.settings, say)
        if self.settings.uses_local_generator:
            model_server.check_installed()
            models.ensure_model(self.settings.cache_dir, self.local_model, say)

    # -- servers ----------------------------------------------------------
    def _weaviate_server(self, say: Say) -> ManagedServer:
        if "weaviate" not in self._servers:
            binary = weaviate_server.resolve_binary(self.settings, say)
            self._servers["weaviate"] = weaviate_server.managed_server(self.settings, binary)
        return self._servers["weaviate"]

    def _generator_server(self, say: Say) -> ManagedServer:
        if "generator" not in self._servers:
            model_server.check_installed()
            path = models.ensure_model(self.settings.cache_dir, self.local_model, say)
            self._servers["generator"] = model_server.managed_server(
                self.settings, self.local_model, path
            )
        return self._servers["generator"]

    def managed(self, say: Say = _quiet, parts: Sequence[str] = EVERY_PART) -> list[ManagedServer]:
        """The servers this data dir runs itself (none when everything is configured remote)."""
        with self._lock:
            servers = []
            if "weaviate" in parts and self.settings.uses_embedded_weaviate:
                servers.append(self._weaviate_server(say))
            if "generator" in parts and self.settings.uses_local_generator:
                servers.append(self._generator_server(say))
            return servers

    def start(self, say: Say = _quiet, parts: Sequence[str] = EVERY_PART) -> None:
        """Start (or attach to) the managed servers among ``parts``, in parallel."""
        servers = self.managed(say, parts)
        if not servers:
            return
        with ThreadPoolExecutor(max_workers=len(servers)) as pool:
            for future in [pool.submit(s.ensure, say) for s in servers]:
                future.result()

    def stop(self) -> list[str]:
        """Stop this data dir's servers (whoever started them); names of those stopped."""
        self.close()
        stopped = []
        for server in self.managed():
            if server.stop():
                stopped.append(server.spec.name)
        return stopped

    def revive(self, part: str) -> None:
        """Start this data dir's own ``part`` server again, in the background, after a
        request found nobody answering (it was killed). The request that noticed gets its
        fallback now; the next one finds the server back. One revival per part at a time;
        nothing happens for a configured remote endpoint."""
        with self._lock:
            running = self._reviving.get(part)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(
                target=self._revive, args=(part,), name=f"revive-{part}", daemon=True
            )
            self._reviving[part] = thread
        thread.start()

    def _revive(self, part: str) -> None:
        for server in self.managed(parts=[part]):
            try:
                if server.running() is None:
                    log.warning("The %s server does not answer; starting it again.", part)
                    self.revivals[part] += 1
                    server.ensure()
            except Exception as err:  # logged for the operator; the next request tries again
                log.error("Could not start the %s server again: %s", part, err)

    def close(self) -> None:
        """Close the clients and the database pool (a later use opens them again)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
        if "engine" in self.__dict__:
            self.engine.dispose()

    # -- clients ----------------------------------------------------------
    def weaviate(self) -> weaviate.WeaviateClient:
        """A client that answers now. When this data dir's own (embedded) server has died,
        it is started again here, so the app recovers without a restart; a remote Weaviate
        that is down is reported (``DependencyUnavailable``) for its operator to fix."""
        with self._lock:
            client = self._client
            if client is not None and client.is_connected() and _answers(client):
                return client
            if client is not None:
                self._client = None
                with contextlib.suppress(Exception):
                    client.close()
            try:
                self._client = weaviate_server.connect(self.settings)
            except DependencyUnavailable:
                if not self.settings.uses_embedded_weaviate:
                    raise
                log.warning("The embedded Weaviate does not answer; starting it again.")
                self.revivals["weaviate"] += 1
                self._weaviate_server(_quiet).ensure()
                self._client = weaviate_server.connect(self.settings)
            return self._client

    @cached_property
    def engine(self) -> Engine:
        engine = db.make_engine(self.settings.sqlalchemy_url, wait_s=self.settings.database_wait_s)
        db.migrate(engine)
        return engine

    @cached_property
    def embedder(self) -> Embedder:
        return make_embedder(self.settings)

    @cached_property
    def multilingual_embedder(self) -> Embedder | None:
        return make_multilingual_embedder(self.settings)

    @cached_property
    def generator(self) -> GeneratorEndpoint:
        s = self.settings
        if s.uses_local_generator:
            return GeneratorEndpoint(
                base_url=model_server.base_url(s),
                api_key=model_server.API_KEY,
                model=self.local_model.name,
                local=True,
            )
        return GeneratorEndpoint(
            base_url=s.openai_base_url or "https://api.openai.com/v1",
            api_key=s.openai_api_key.get_secret_value() if s.openai_api_key else "unused",
            model=s.generator_model or "gpt-4o-mini",
            local=False,
        )

    def openai_client(self, timeout_s: float = 60.0, max_retries: int = 2) -> openai.OpenAI:
        g = self.generator
        return openai.OpenAI(
            base_url=g.base_url, api_key=g.api_key, timeout=timeout_s, max_retries=max_retries
        )

    def store(self) -> Store:
        return Store(self.weaviate(), prefix=self.settings.collection_prefix)

    def retriever(self, config: RetrievalConfig | None = None) -> Retriever:
        return Retriever(self.store(), self.embedder, config, self.multilingual_embedder)

    def ingestor(self, progress: Callable[[Progress], None] | None = None) -> Ingestor:
        return Ingestor(
            self.store(),
            self.embedder,
            max_file_bytes=int(self.settings.max_file_mb * 1024 * 1024),
            progress=progress,
            multilingual=self.multilingual_embedder,
        )

    def ingest(
        self,
        paths: Sequence[Path],
        source: str | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> IngestSummary:
        """Sync documents into the index; one ingestion at a time per data dir. When
        documents changed, the parts that pin them are told (``INDEX_CHANGED`` hooks)."""
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.settings.run_dir / "ingest.lock")):
            summary = self.ingestor(progress).sync(paths, source)
        if summary.documents_indexed or summary.documents_removed:
            summary.notes.extend(self._index_changed())
        return summary

    def _index_changed(self) -> list[str]:
        """Run every hook registered under ``INDEX_CHANGED`` (the review loop flags golden
        cases whose documents changed); each returns a note or None. A failing hook is
        reported as a note: the documents are indexed whatever it says."""
        from importlib.metadata import entry_points

        notes = []
        for ep in entry_points(group=INDEX_CHANGED):
            try:
                note = ep.load()(self.engine, self.store())
            except Exception as err:  # the index changed; say what could not follow it
                log.warning("Index-changed hook %s failed", ep.name, exc_info=err)
                note = f"{ep.name}: could not check what the change affects ({err})"
            if note:
                notes.append(note)
        return notes

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir


def _answers(client: weaviate.WeaviateClient) -> bool:
    try:
        return bool(client.is_live())
    except Exception:  # any failure to answer counts as not answering
        return False
