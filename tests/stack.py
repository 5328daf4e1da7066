"""A runtime on the session's servers with Weaviate collections of its own and a fake
hosted provider (``FakeOpenAI``), for tests that need real answers without a slow model."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fake_openai import FakeOpenAI

from assistant.answering.config import AnswerConfig, load_answer_config
from assistant.answering.pipeline import Pipeline
from assistant.config import Settings
from assistant.runtime.stack import Runtime


def answer_config(**generation: object) -> AnswerConfig:
    cfg = load_answer_config()
    return cfg.model_copy(update={"generation": cfg.generation.model_copy(update=generation)})


class Stack:
    def __init__(
        self, settings: Settings, corpus: Path, *, hosted_embeddings: bool = False, **overrides: Any
    ) -> None:
        """``hosted_embeddings``: vectors come from the fake provider too (not the ONNX model)."""
        self.prefix = f"P{uuid.uuid4().hex[:10]}"
        self.fake = FakeOpenAI()
        if hosted_embeddings:
            overrides = {
                "embeddings": "openai",
                "embeddings_base_url": self.fake.base_url,
                "embeddings_model": "fake-embeddings",
                **overrides,
            }
        self.settings = Settings(
            **{
                "data_dir": settings.data_dir,
                "local_model": settings.local_model,
                "collection_prefix": self.prefix,
                "openai_base_url": self.fake.base_url,
                "openai_api_key": "sk-test-not-a-real-key",
                "generator_model": "fake-model",
                **overrides,
            }
        )
        self.rt = Runtime(self.settings)
        self.corpus = corpus
        self.rt.ingest([corpus])

    def environment(self) -> dict[str, str]:
        """The variables that point another process (the CLI, the app) at this stack."""
        env = {
            "OPENAI_BASE_URL": self.fake.base_url,
            "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "ASSISTANT_GENERATOR_MODEL": "fake-model",
            "ASSISTANT_COLLECTION_PREFIX": self.prefix,
        }
        if self.settings.embeddings == "openai":
            env |= {
                "ASSISTANT_EMBEDDINGS": "openai",
                "ASSISTANT_EMBEDDINGS_BASE_URL": self.fake.base_url,
                "ASSISTANT_EMBEDDINGS_MODEL": self.settings.embeddings_model,
            }
        return env

    def pipeline(self, **generation: object) -> Pipeline:
        return Pipeline(self.rt, config=answer_config(**generation))

    def close(self) -> None:
        client = self.rt.weaviate()
        client.collections.delete([f"{self.prefix}Chunk", f"{self.prefix}Document"])
        self.rt.close()
        self.fake.close()
