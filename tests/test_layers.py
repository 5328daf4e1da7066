"""The layering the README promises, read from the code: imports go pages -> review ->
assistant; inside assistant a package imports only those below it; Streamlit is imported by
the app and its pages (components in pages/ui), never by the core or the review loop."""

from __future__ import annotations

import ast
from pathlib import Path

from assistant.config import PROJECT_ROOT

# Lowest first: a package may import the ones before it, never one after it.
ASSISTANT_LAYERS = [
    "errors",
    "phrases",
    "render",
    "config",
    "storage",
    "identity",
    "index",
    "runtime",
    "answering",
    "cli",
    "__main__",
]
# Streamlit lives in app.py and pages/ (components in pages/ui); the core only launches it.
STREAMLIT_MODULES = {"assistant/cli/app.py"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _sources(*folders: str) -> list[Path]:
    return [p for f in folders for p in sorted((PROJECT_ROOT / f).rglob("*.py"))]


def _layer(module: str) -> str:
    return module.split(".")[1]


def test_every_package_of_the_core_has_a_layer() -> None:
    packages = {
        p.name.removesuffix(".py")
        for p in (PROJECT_ROOT / "assistant").iterdir()
        if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())
    }
    assert packages == set(ASSISTANT_LAYERS)


def test_core_packages_import_only_those_below_them() -> None:
    wrong = []
    for path in _sources("assistant"):
        rel = path.relative_to(PROJECT_ROOT / "assistant")
        own = rel.parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        for module in _imports(path):
            if not module.startswith("assistant.") or _layer(module) == own:
                continue
            if ASSISTANT_LAYERS.index(_layer(module)) > ASSISTANT_LAYERS.index(own):
                wrong.append(f"assistant/{rel} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_imports_go_pages_to_review_to_assistant() -> None:
    wrong = [
        f"{path.relative_to(PROJECT_ROOT)} imports {module}"
        for folder, forbidden in (
            ("assistant", ("review", "pages", "app")),
            ("review", ("pages", "app")),
        )
        for path in _sources(folder)
        for module in _imports(path)
        if module.split(".")[0] in forbidden
    ]
    assert not wrong, "\n".join(wrong)


def test_only_the_pages_and_one_module_per_package_import_streamlit() -> None:
    importers = {
        str(path.relative_to(PROJECT_ROOT))
        for path in _sources("assistant", "review")
        if any(m.split(".")[0] == "streamlit" for m in _imports(path))
    }
    assert importers == STREAMLIT_MODULES
