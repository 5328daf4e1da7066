"""The generator: prompts in, streamed text out, through the ``openai`` client.

Works the same against the local llama.cpp server and any OpenAI-compatible
endpoint. The client retries 408/409/429/5xx and connection errors with
exponential backoff (``max_retries``); on top of that a first-token deadline and
an overall deadline turn a slow model into ``GeneratorUnavailable``, which the
pipeline answers with the extractive fallback instead of an error page.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import openai

from assistant.answering.citations import Passage
from assistant.answering.config import GenerationSection
from assistant.answering.guardrails import NEUTRALISED, detect_injection
from assistant.errors import DependencyUnavailable

NOT_FOUND = "NOT_FOUND"


class GeneratorUnavailable(DependencyUnavailable):
    """The model could not be reached, failed, or was too slow. ``unreachable``: no server
    answered at all (refused or cut connection), so a managed one may need starting again."""

    def __init__(
        self, what: str, *, fix: str | None = None, unreachable: bool = False, slow: bool = False
    ) -> None:
        super().__init__(what, fix=fix)
        self.unreachable = unreachable
        self.slow = slow  # it answered too slowly, rather than not at all


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    first_token_ms: float | None = None


def retries_of(err: openai.APIError) -> int:
    """How often the client had retried the request that finally failed: it numbers each
    attempt in a header of the request it sends (0 for the first)."""
    try:
        return int(err.request.headers.get("x-stainless-retry-count", 0))
    except (AttributeError, ValueError):
        return 0


def passage_block(passages: Sequence[Passage]) -> str:
    blocks = []
    for p in passages:
        c = p.hit.chunk
        where = " > ".join(x for x in (c.title, c.section) if x)
        if detect_injection(where).suspicious:  # a title is document text too
            where = NEUTRALISED
        page = f" (page {c.page})" if c.page else ""
        blocks.append(f'<passage n="{p.n}" source="{where}{page}">\n{p.text}\n</passage>')
    return "\n".join(blocks)


def answer_messages(
    system: str, template: str, question: str, passages: Sequence[Passage]
) -> list[dict]:
    """System prompt first and unchanged between questions, so llama.cpp reuses its
    evaluated prefix; ``template`` (``prompts.answer``) frames passages and question."""
    user = template.format(passages=passage_block(passages), question=question)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


@dataclass
class Generator:
    client: openai.OpenAI
    model: str
    config: GenerationSection
    usage: Usage = field(default_factory=Usage)
    retries: int = 0  # requests the client sent again (429, 5xx, cut), over all calls

    @staticmethod
    def client_for(base_url: str, api_key: str, config: GenerationSection) -> openai.OpenAI:
        """One client per process and endpoint: building one costs ~1 s (TLS setup), and
        the client is safe to share between threads."""
        return openai.OpenAI(
            base_url=base_url,
            api_key=api_key,
            timeout=_deadlines(config),
            max_retries=config.max_retries,
        )

    def _configured(self) -> openai.OpenAI:
        """The shared client with this config's deadlines and retries (no new connection pool)."""
        c = self.config
        return self.client.with_options(timeout=_deadlines(c), max_retries=c.max_retries)

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """Text deltas as they arrive; raises GeneratorUnavailable (possibly mid-stream)
        for every way a server or network fails: refused, cut, hung, slow or garbled."""
        self.usage = Usage()
        t0 = time.perf_counter()
        deadline = t0 + self.config.timeout_s
        try:
            stream = self._create(
                model=self.model,
                messages=messages,
                temperature=self.config.temperature,
                max_tokens=self.config.max_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
            try:
                yield from self._deltas(stream, t0, deadline)
            finally:  # also when the reader stops: closing it stops the server's work
                stream.close()
        except (openai.APIError, ValueError) as err:
            raise self._unavailable(err) from err

    def _create(self, **request):  # type: ignore[no-untyped-def]
        """The request through the configured client, its retries counted once: those taken
        before a reply, or before the client gave up (an error while a reply streams is not
        a retry of the client's)."""
        try:
            raw = self._configured().chat.completions.with_raw_response.create(**request)
        except openai.APIError as err:
            self.retries += retries_of(err)
            raise
        self.retries += raw.retries_taken
        return raw.parse()

    def _deltas(self, stream, t0: float, deadline: float) -> Iterator[str]:  # type: ignore[no-untyped-def]
        for chunk in stream:
            if chunk.usage is not None:
                self.usage.prompt_tokens = chunk.usage.prompt_tokens
                self.usage.completion_tokens = chunk.usage.completion_tokens
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta.content or ""
            if delta:
                if self.usage.first_token_ms is None:
                    self.usage.first_token_ms = (time.perf_counter() - t0) * 1000
                yield delta
            if time.perf_counter() > deadline:
                raise GeneratorUnavailable(
                    f"The model {self.model} took longer than {self.config.timeout_s:.0f}s.",
                    fix="Raise generation.timeout_s or use a faster model.",
                    slow=True,
                )

    def _unavailable(self, err: Exception) -> GeneratorUnavailable:
        """What went wrong, in words, and whether it was before or during the answer. The
        client wraps its transport's failures, before the first byte and while it reads the
        stream, in its own errors (timeouts in ``APITimeoutError``, the rest in
        ``APIConnectionError``); a garbled server event is the JSON decoder's ValueError."""
        started = self.usage.first_token_ms is not None
        wait = self.config.first_token_timeout_s
        if isinstance(err, openai.APITimeoutError):
            what = (
                f"stopped writing for {wait:.0f}s"
                if started
                else f"did not answer within {wait:.0f}s"
            )
            return GeneratorUnavailable(
                f"The model {self.model} {what}.",
                fix="The extractive answer is shown instead.",
                slow=True,
            )
        if isinstance(err, ValueError):  # a server event that is not the protocol's JSON
            return GeneratorUnavailable(
                f"The model {self.model} sent an unreadable reply ({type(err).__name__}).",
                fix="Check the model server's version and log (`python -m assistant doctor`).",
            )
        cut = isinstance(err, openai.APIConnectionError)
        if started and cut:
            return GeneratorUnavailable(
                f"The model {self.model} stopped mid-answer: the connection was cut.",
                fix="Check the model server (`python -m assistant doctor`).",
                unreachable=True,
            )
        return GeneratorUnavailable(
            f"The model {self.model} is unavailable: {err}",
            fix="Check the model server (`python -m assistant doctor`).",
            unreachable=cut,
        )

    def complete(self, messages: list[dict], max_tokens: int = 80) -> str:
        """A short, non-streamed completion (question rewriting)."""
        try:
            resp = self._create(
                model=self.model, messages=messages, temperature=0.0, max_tokens=max_tokens
            )
        except (openai.APIError, ValueError) as err:
            raise self._unavailable(err) from err
        return (resp.choices[0].message.content or "").strip() if resp.choices else ""


def _deadlines(config: GenerationSection) -> openai.Timeout:
    """The whole answer's deadline, and the first token's (a read): as the client's own
    transport spells them (``openai.Timeout``; its transport library refuses another's)."""
    return openai.Timeout(config.timeout_s, connect=5.0, read=config.first_token_timeout_s)


def says_not_found(text: str) -> bool:
    head = text.strip().strip("*_`\"' ").upper()
    return head.startswith(NOT_FOUND) or head.startswith("NOT FOUND")
