"""Domain errors. Each says what failed, for which input, and what to do next.

The library raises these; only the CLI and the pages turn them into messages.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing sentence."""

    def __init__(self, what: str, *, fix: str | None = None) -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what} {fix}" if fix else what)


class ConfigurationError(AssistantError):
    """A setting is missing or inconsistent."""


class InstallError(AssistantError):
    """A required artifact (server binary, model file) is missing and cannot be installed."""


class ServerStartError(AssistantError):
    """A managed server did not become ready."""


class DependencyUnavailable(AssistantError):
    """A part (Weaviate, the database, the generator, the embedder) cannot be reached."""
