"""Where an answer's trace goes besides its row in the interaction log: one log line, and,
when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) is set, OpenTelemetry
spans over OTLP/HTTP through the SDK, so Langfuse, Phoenix, Jaeger or Grafana Tempo read
them. The model's step follows the GenAI semantic conventions (``chat <model>`` with
``gen_ai.*`` attributes: provider, model, token usage; its first token as an event), the
embedding step likewise (``embeddings <model>``); the other steps are spans of their own
name under one ``answer`` span. No span carries a question's or an answer's text, or who
asked.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from assistant.answering.answer import Answer, Span, Trace

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

log = logging.getLogger(__name__)

SERVICE = "knowledge-assistant"
SCOPE = "knowledge_assistant.answering"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
OURS = "knowledge_assistant."  # the prefix of attributes no convention names

_lock = threading.Lock()
_provider: Any = None


def enabled() -> bool:
    return any(os.environ.get(v) for v in ENDPOINT_VARIABLES)


def _tracer() -> Tracer | None:
    """The process's tracer, made on first use from OpenTelemetry's own environment
    variables (endpoint, headers, service name); None when no endpoint is set."""
    global _provider
    if not enabled():
        return None
    with _lock:
        if _provider is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            name = os.environ.get("OTEL_SERVICE_NAME", SERVICE)
            provider = TracerProvider(resource=Resource.create({"service.name": name}))
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _provider = provider
        return _provider.get_tracer(SCOPE)


def flush(timeout_ms: int = 10_000) -> bool:
    """Send the spans still queued (a test, or a process about to end)."""
    return _provider.force_flush(timeout_ms) if _provider is not None else True


def shutdown() -> None:
    """Send what is queued and stop exporting; the next answer reads the endpoint afresh."""
    global _provider
    with _lock:
        if _provider is not None:
            _provider.shutdown()
            _provider = None


def record(answer: Answer, trace: Trace, *, generator_url: str, local_generator: bool) -> None:
    """The answer's log line, and its spans when an OTLP endpoint is set."""
    steps = " ".join(f"{s.name}={s.duration_ms:.0f}" for s in trace.spans)
    log.info(
        "answered: mode=%s refused=%s fallback=%s interaction=%s total_ms=%.0f steps: %s",
        answer.mode, answer.refused, answer.fallback, answer.interaction_id, trace.ended_ms, steps,
    )  # fmt: skip
    about = {
        OURS + "interaction_id": answer.interaction_id,
        OURS + "mode": answer.mode,
        OURS + "refused": answer.refused,
        OURS + "refusal_reason": answer.refusal_reason,
        OURS + "fallback": answer.fallback,
        OURS + "config_version": answer.config_version,
        OURS + "prompt_version": answer.prompt_version,
        OURS + "cached": answer.cached,
    }
    _send(trace, about, None, generator_url, local_generator)


def record_failure(
    trace: Trace, error: str, *, config_version: str, generator_url: str, local_generator: bool
) -> None:
    """The spans of an answer that failed (its last step is the one that failed), the answer
    span marked as an error of kind ``error`` (the error's class, never its text)."""
    about = {OURS + "config_version": config_version, "error.type": error}
    _send(trace, about, error, generator_url, local_generator)


def _send(
    trace: Trace,
    about: dict[str, Any],
    error: str | None,
    generator_url: str,
    local_generator: bool,
) -> None:
    """The trace as spans under one ``answer`` span (``about`` its attributes), when an
    endpoint is set; never raises (telemetry is never a reason an answer fails)."""
    try:
        tracer = _tracer()
        if tracer is None:
            return
        from opentelemetry.trace import Status, StatusCode, set_span_in_context

        t0 = int(trace.started_at * 1e9)

        def at(ms: float) -> int:
            return t0 + int(ms * 1e6)

        root = tracer.start_span(
            "answer",
            start_time=t0,
            attributes=_clean({OURS + "request_id": trace.request_id, **about}),
        )
        if error is not None:
            root.set_status(Status(StatusCode.ERROR, error))
        context = set_span_in_context(root)
        provider = "llama.cpp" if local_generator else "openai"
        server = urlparse(generator_url)
        for step in trace.spans:
            name, attributes = _named(step, provider, server.hostname, server.port)
            span = tracer.start_span(
                name, context=context, start_time=at(step.start_ms), attributes=attributes
            )
            shown = step.attributes.get("shown_first_ms")
            if step.name == "generate" and isinstance(shown, int | float):
                span.add_event("gen_ai.first_token", timestamp=at(shown))
            if step.outcome in ("unavailable", "slow") or step.outcome.startswith("failed"):
                span.set_status(Status(StatusCode.ERROR, step.outcome))
            span.end(end_time=at(step.start_ms + step.duration_ms))
        root.end(end_time=at(trace.ended_ms))
    except Exception:
        log.exception("The answer's trace could not be exported over OTLP.")


def _named(
    step: Span, provider: str, host: str | None, port: int | None
) -> tuple[str, dict[str, Any]]:
    """A step's span name and attributes, in the GenAI conventions where they have a name."""
    a = step.attributes
    mine = {OURS + k: v for k, v in a.items()}
    mine[OURS + "outcome"] = step.outcome
    if step.name == "generate":
        model = a.get("model")
        return f"chat {model}", _clean(
            {
                **mine,
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": provider,
                "gen_ai.system": provider,  # the name before semantic conventions 1.37
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": a.get("prompt_tokens"),
                "gen_ai.usage.output_tokens": a.get("completion_tokens"),
                "server.address": host,
                "server.port": port,
            }
        )
    if step.name == "embed":
        model = a.get("model")
        return f"embeddings {model}", _clean(
            {**mine, "gen_ai.operation.name": "embeddings", "gen_ai.request.model": model}
        )
    if step.name == "retrieve":
        return "retrieve", {**mine, "db.system.name": "weaviate"}
    return step.name, mine


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}
