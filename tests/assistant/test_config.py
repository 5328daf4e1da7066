"""Settings: sources and their priority, derived locations, unsafe production defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.config import PROJECT_ROOT, Settings, describe_settings


def test_data_dir_moves_all_runtime_state(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    for path in (s.run_dir, s.log_dir, s.weaviate_data_dir):
        assert path.is_relative_to(tmp_path)
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'assistant.db'}"


def test_standard_variable_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVIATE_URL", "http://weaviate.internal:8080")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://kb@db/kb")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://vllm.internal/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    s = Settings()
    assert s.weaviate_url == "http://weaviate.internal:8080"
    assert s.sqlalchemy_url == "postgresql+psycopg://kb@db/kb"
    assert not s.uses_local_generator and not s.uses_embedded_weaviate
    assert "sk-test-secret" not in repr(s)  # secrets never print


def test_streamlit_secrets_file_is_a_source_below_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'OPENAI_API_KEY = "from-secrets"\nlocal_model_context = 2048\n'
    )
    s = Settings()
    assert s.openai_api_key is not None
    assert s.openai_api_key.get_secret_value() == "from-secrets"
    assert s.local_model_context == 2048
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL_CONTEXT", "1024")
    assert Settings().local_model_context == 1024


def test_production_refuses_embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="needs WEAVIATE_URL"):
        Settings()
    monkeypatch.setenv("WEAVIATE_URL", "http://w:8080")
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://kb@db/kb")
    assert Settings().environment == "production"


def test_every_setting_is_documented() -> None:
    rows = describe_settings()
    assert {r[0] for r in rows} >= {"ASSISTANT_DATA_DIR", "WEAVIATE_URL", "DATABASE_URL"}
    assert [r[0] for r in rows if not r[2]] == []
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert [r[0] for r in rows if f"`{r[0]}`" not in readme] == []
