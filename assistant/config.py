"""One typed Settings object: the only place the environment is read.

Sources, highest priority first: keyword arguments, environment variables, a
``.env`` file in the working directory, ``.streamlit/secrets.toml`` (top-level
keys), then the defaults below. ``ASSISTANT_DATA_DIR`` moves all runtime state;
``ASSISTANT_CACHE_DIR`` holds installed artifacts shared by every instance.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "knowledge-assistant"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = Path(".streamlit") / "secrets.toml"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses unsafe defaults."
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)),
        description="All runtime state: Weaviate data, SQLite file, caches, pid and lock files.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)),
        description="Installed artifacts shared by all instances: Weaviate binary, model files.",
    )
    documents_dir: Path = Field(PROJECT_ROOT / "data", description="Documents indexed at start-up.")

    # Weaviate
    weaviate_url: str | None = Field(
        None,
        validation_alias=_env("WEAVIATE_URL", "ASSISTANT_WEAVIATE_URL"),
        description="Connect to this Weaviate instead of starting one.",
    )
    weaviate_api_key: SecretStr | None = Field(
        None,
        validation_alias=_env("WEAVIATE_API_KEY", "ASSISTANT_WEAVIATE_API_KEY"),
        description="API key for WEAVIATE_URL (never logged).",
    )
    weaviate_grpc_port: int | None = Field(
        None,
        validation_alias=_env("WEAVIATE_GRPC_PORT", "ASSISTANT_WEAVIATE_GRPC_PORT"),
        description="gRPC port of WEAVIATE_URL (default 50051).",
    )
    weaviate_binary: Path | None = Field(
        None,
        validation_alias=_env("WEAVIATE_BINARY", "ASSISTANT_WEAVIATE_BINARY"),
        description="Use this weaviate-server binary instead of the cached or built one.",
    )
    weaviate_version: str = Field("1.39.0", description="Version of the embedded Weaviate.")
    weaviate_backup_backend: str = Field(
        "filesystem",
        description="Backup module of a remote Weaviate (WEAVIATE_URL) that `backup` uses; "
        "the embedded server writes into the backup folder itself.",
    )
    weaviate_port: int | None = Field(
        None, description="HTTP port of the embedded Weaviate (default: a free port, kept)."
    )

    # SQL
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL", "ASSISTANT_DATABASE_URL"),
        description="SQLAlchemy URL; default a SQLite file in the data dir.",
    )
    database_wait_s: float = Field(
        30.0,
        gt=0,
        description="How long a write waits for another writer (SQLite) or for a connection "
        "(PostgreSQL) before the reader is told the database is busy or down.",
    )

    # Generator
    openai_base_url: str | None = Field(
        None,
        validation_alias=_env("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint; unset means the local model server.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=_env("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY"),
        description="Key for OPENAI_BASE_URL or OpenAI itself (never logged).",
    )
    judge_api_key: SecretStr | None = Field(
        None, description="Key of the endpoint `eval run --judge-url` grades with (never logged)."
    )
    generator_model: str | None = Field(
        None, description="Model name sent to the endpoint (default: the local model's name)."
    )
    local_model: str = Field(
        "qwen2.5-coder-1.5b-instruct", description="Pinned local model (see `models`)."
    )
    local_model_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 2, description="llama.cpp threads."
    )
    local_model_context: int = Field(4096, description="llama.cpp context window (tokens).")
    local_model_port: int | None = Field(
        None, description="Port of the local model server (default: a free port, kept)."
    )

    # Embeddings
    embeddings: Literal["onnx", "openai"] = Field(
        "onnx", description="`onnx`: bundled all-MiniLM-L6-v2; `openai`: an embeddings endpoint."
    )
    embeddings_base_url: str | None = Field(None, description="Endpoint for `openai` embeddings.")
    embeddings_api_key: SecretStr | None = Field(
        None, description="Key for the embeddings endpoint (never logged)."
    )
    embeddings_model: str = Field(
        "text-embedding-3-small", description="Model name for `openai` embeddings."
    )
    embeddings_multilingual: bool = Field(
        False,
        description="Also index every passage with multilingual-e5-small (a second vector): "
        "questions in other languages than the documents' find them. Slower ingestion.",
    )
    embed_batch_size: int = Field(16, description="Passages per embedding batch.")
    embed_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 2, description="onnxruntime intra-op threads."
    )

    collection_prefix: str = Field(
        "Kb", pattern=r"^[A-Z][A-Za-z0-9]*$", description="Weaviate collection name prefix."
    )
    max_file_mb: float = Field(50.0, description="Larger documents are refused at ingestion.")

    answer_config: Path | None = Field(
        None, description="Answering config TOML (prompts, thresholds); default: the bundled one."
    )
    redact_for_generator: Literal["external", "always", "never"] = Field(
        "external",
        description="Redact PII from questions sent to the generator: `external` endpoints only, "
        "`always`, or `never`.",
    )
    store_raw_text: bool = Field(
        False, description="Store questions and answers unredacted (off: PII is redacted)."
    )

    # Sign-in and the review loop
    auth: Literal["demo", "local", "oidc"] = Field(
        "demo",
        description="Sign-in: `demo` (one local user, every role, labelled), `local` (accounts "
        "from `users add`), `oidc` (`st.login`, provider in .streamlit/secrets.toml).",
    )
    oidc_default_role: Literal["employee", "reviewer", "lead", "admin"] = Field(
        "employee", description="Role of an OIDC user who has no account row."
    )
    review_sample_rate: float = Field(
        0.1, ge=0.0, le=1.0, description="Share of all answers sampled into the review queue."
    )
    reviews_per_item: int = Field(
        1, ge=1, le=5, description="Reviewers who grade each item before a lead approves it."
    )
    pii_employee_id_pattern: str = Field(
        r"\b(?:EMP|E)-?\d{5,7}\b",
        description="A regular expression for the company's employee ids (redacted as PII).",
    )
    max_question_chars: int = Field(
        4000,
        ge=100,
        description="Longer questions are refused before they are stored, shown or logged.",
    )
    review_claim_minutes: int = Field(
        30, ge=1, description="How long a reviewer's claim on an item lasts."
    )
    low_confidence_similarity: float = Field(
        0.55, description="Answers whose best passage is less similar go to the review queue."
    )

    start_timeout_s: float = Field(120.0, description="How long to wait for a server to be ready.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="The app's log lines on stderr: `text`, or `json` (one object a line); "
        "each carries the request id of the answer it belongs to.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets = TomlConfigSettingsSource(settings_cls, toml_file=SECRETS_FILE)
        return (init_settings, env_settings, dotenv_settings, secrets)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.weaviate_url is None:
                raise ValueError(
                    "ASSISTANT_ENVIRONMENT=production needs WEAVIATE_URL: the embedded "
                    "single-node Weaviate is for development only."
                )
            if self.database_url is None or self.database_url.startswith("sqlite"):
                raise ValueError(
                    "ASSISTANT_ENVIRONMENT=production needs DATABASE_URL pointing at PostgreSQL."
                )
        return self

    # Derived locations: everything runtime lives under data_dir.
    @cached_property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @cached_property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @cached_property
    def weaviate_data_dir(self) -> Path:
        return self.data_dir / "weaviate"

    @cached_property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'assistant.db'}"

    @property
    def uses_local_generator(self) -> bool:
        return self.openai_base_url is None and self.openai_api_key is None

    @property
    def uses_embedded_weaviate(self) -> bool:
        return self.weaviate_url is None


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, description) rows for the README's configuration table."""
    rows = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env = alias.choices[0] if isinstance(alias, AliasChoices) else f"ASSISTANT_{name.upper()}"
        default = "computed" if field.default_factory else repr(field.default)
        rows.append((str(env), default, field.description or ""))
    return rows
