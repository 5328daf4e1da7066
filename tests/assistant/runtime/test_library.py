"""The document library behind the Documents page: uploads are never silently replaced."""

from __future__ import annotations

import pytest

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
