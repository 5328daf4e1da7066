"""The document library behind the Documents page: uploads are never silently replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stack import Stack

from assistant.config import Settings
from assistant.runtime import library
from assistant.runtime.stack import Runtime


def test_uploads_are_saved_and_never_silently_replaced(fresh_settings: Settings) -> None:
    rt = Runtime(fresh_settings)
    path = library.save_upload(rt, "../../etc/Q3 plan.md", b"# Plan\n\nv1")
    assert path.parent == library.uploads_dir(rt) and path.name == "Q3 plan.md"
    with pytest.raises(library.UploadError, match="uploaded before"):
        library.save_upload(rt, "Q3 plan.md", b"# Plan\n\nv2")
    assert path.read_bytes() == b"# Plan\n\nv1"
    library.save_upload(rt, "Q3 plan.md", b"# Plan\n\nv2", replace=True)
    assert path.read_bytes() == b"# Plan\n\nv2"


def test_unsupported_uploads_are_refused_with_the_supported_list(fresh_settings: Settings) -> None:
    with pytest.raises(library.UploadError, match=r"unsupported file type \.exe"):
        library.save_upload(Runtime(fresh_settings), "setup.exe", b"MZ")


@pytest.mark.integration
def test_an_upload_can_be_restricted_and_the_list_follows_the_reader(
    runtime: Runtime, corpus: Path, tmp_path: Path
) -> None:
    stack = Stack(runtime.settings, corpus, documents_dir=tmp_path / "none")
    rt = stack.rt
    name = f"bands-{stack.prefix}.md"
    try:
        path = library.save_upload(
            rt, name, b"# Bands\n\nBand N7 pays 61k.", groups=["HR", " "], actor="lena"
        )
        sidecar = path.with_name(name + ".meta.json")
        assert json.loads(sidecar.read_text()) == {"access_groups": ["hr"]}
        rt.ingest([library.uploads_dir(rt)])
        assert name not in {Path(d.path).name for d in library.list_documents(rt, ["everyone"])}
        (doc,) = [d for d in library.list_documents(rt, ["hr"]) if Path(d.path).name == name]
        assert doc.access_groups == ("hr",)
        # Replaced with no groups given: everyone may read the new version.
        library.save_upload(rt, name, b"# Bands\n\nPublic now.", replace=True)
        assert not sidecar.exists()
    finally:
        for leftover in library.uploads_dir(rt).glob(f"{name}*"):
            leftover.unlink()
        stack.close()
