"""answer(question, history, asker): guard -> rewrite -> retrieve -> generate -> verify -> log.

``Pipeline.stream`` yields text deltas as the model writes them and, last, the
final ``Answer`` (verified citations, or an extractive answer, or a refusal).
The final text can differ from the streamed one: unsupported citations are
removed after generation, so pages render the final ``Answer`` when it arrives.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answering import extractive
from assistant.answering.answer import (
    NOT_IN_DOCUMENTS,
    Answer,
    Citation,
    Latency,
    Preview,
    RefusalReason,
    Source,
)
from assistant.answering.citations import Passage, marker_numbers, split_units, verify
from assistant.answering.compress import compress
from assistant.answering.config import AnswerConfig, load_answer_config
from assistant.answering.generate import (
    Generator,
    GeneratorUnavailable,
    answer_messages,
    says_not_found,
)
from assistant.answering.guardrails import PiiRedactor, default_redactor, neutralise, out_of_role
from assistant.answering.interactions import cache_key, cached_answer, log_interaction, store_answer
from assistant.answering.wording import content_words, numbers, plain_text
from assistant.identity.groups import EVERYONE
from assistant.index.chunks import ScoredChunk
from assistant.index.retrieve import SearchRequest, distinct
from assistant.runtime.model_server import count_prompt_tokens
from assistant.runtime.stack import Runtime

log = logging.getLogger(__name__)

UNCHECKED = "the answer could not be checked against the passages, so they are quoted instead"
OUT_OF_SCOPE = (
    "I can only answer questions about the company's documents, so I can't help with that. "
    "Try asking about a policy, a process or a tool."
)
SOURCES_OFFERED = 3
_FOLLOW_UP = re.compile(
    r"\b(it|its|that|this|those|these|they|them|their|there|he|she|his|her|same|also|else|more)\b",
    re.I,
)


@dataclass(frozen=True)
class Asker:
    user_id: str
    groups: tuple[str, ...] = (EVERYONE,)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass
class _Clock:
    t0: float = field(default_factory=time.perf_counter)
    latency: Latency = field(default_factory=Latency)

    def lap(self) -> float:
        now = time.perf_counter()
        ms, self.t0 = (now - self.t0) * 1000, now
        return round(ms, 1)


class Pipeline:
    """Thread-safe: one per process, shared by every session."""

    def __init__(
        self,
        runtime: Runtime,
        config: AnswerConfig | None = None,
        redactor: PiiRedactor | None = None,
        *,
        use_cache: bool = True,  # benchmarks measure every answer afresh
    ) -> None:
        self.rt = runtime
        self.use_cache = use_cache
        self.settings = runtime.settings
        self.config = config or load_answer_config(runtime.settings.answer_config)
        self.redactor = redactor or default_redactor()
        g = runtime.generator
        self.generator_model = g.model
        self.generator_url = g.base_url
        self._external = not g.local
        self._client = Generator.client_for(g.base_url, g.api_key, self.config.generation)

    # -- public -------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        asker: Asker,
        history: Sequence[Turn] = (),
        conversation_id: str = "cli",
    ) -> Answer:
        final = None
        for event in self.stream(
            question, asker=asker, history=history, conversation_id=conversation_id
        ):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        *,
        asker: Asker,
        history: Sequence[Turn] = (),
        conversation_id: str = "ui",
    ) -> Iterator[str | Preview | Answer]:
        """Text deltas of the model's answer as it writes, perhaps a ``Preview`` before them,
        and the final, verified ``Answer`` last."""
        clock = _Clock()
        total_start = clock.t0
        question = plain_text(question).strip()
        redaction = self.redactor.redact(question)
        stored_q = question if self.settings.store_raw_text else redaction.text
        redact_out = self.settings.redact_for_generator == "always" or (
            self.settings.redact_for_generator == "external" and self._external
        )
        model_q = redaction.text if redact_out else question
        base = {
            "question": stored_q,
            "model": self.generator_model,
            "config_version": self.config.version,
            "prompt_version": self.config.prompt_version,
            "pii_entities": list(redaction.entities),
        }

        def finish(answer: Answer) -> Answer:
            answer.latency.total_ms = round((time.perf_counter() - total_start) * 1000, 1)
            stored_text = answer.text
            if not self.settings.store_raw_text:
                stored_text = self.redactor.redact(answer.text).text
            answer.interaction_id = log_interaction(
                self.rt.engine,
                answer,
                user_id=asker.user_id,
                conversation_id=conversation_id,
                stored_answer_text=stored_text,
            )
            return answer

        if not question:
            yield finish(self._refusal(base, "", "empty_question", "Please type a question.", []))
            return
        if out_of_role(question):
            yield finish(self._refusal(base, stored_q, "out_of_scope", OUT_OF_SCOPE, []))
            return

        generator = Generator(self._client, self.generator_model, self.config.generation)
        standalone = self._standalone(generator, model_q, history)
        clock.latency.rewrite_ms = clock.lap()
        stored_standalone = (
            standalone if self.settings.store_raw_text else self.redactor.redact(standalone).text
        )
        base["standalone_query"] = stored_standalone

        store = self.rt.store()
        key = cache_key(
            self.config.version,
            self.generator_model,
            self.generator_url,
            store.fingerprint(),
            ",".join(sorted(asker.groups)),
            " ".join(standalone.lower().split()),
        )
        # never keep answers that might echo personal data
        cacheable = self.use_cache and not redaction.found
        if cacheable and (hit := cached_answer(self.rt.engine, key)) is not None:
            hit.cached = True
            hit.question, hit.standalone_query = stored_q, stored_standalone
            hit.pii_entities = list(redaction.entities)
            hit.latency = Latency(rewrite_ms=clock.latency.rewrite_ms)
            yield finish(hit)
            return

        qvec = self.rt.embedder.embed_query(standalone)
        hits = distinct(
            self.rt.retriever(self.config.retrieval_config()).search(
                SearchRequest(standalone, groups=asker.groups, vector=qvec, with_vectors=True)
            )
        )
        clock.latency.retrieve_ms = clock.lap()
        sims = [float(h.vector @ qvec) if h.vector is not None else 0.0 for h in hits]
        sources = [_source(h, s) for h, s in zip(hits, sims, strict=True)]
        base["sources"] = sources[:SOURCES_OFFERED]
        if not hits or max(sims) < self.config.refusal.min_similarity:
            answer = self._refusal(
                base, stored_standalone, "no_relevant_documents", NOT_IN_DOCUMENTS, sources
            )
            answer.latency = clock.latency
            if cacheable:
                store_answer(self.rt.engine, key, answer)
            yield finish(answer)
            return

        passages, flags = self._context(hits)
        base["injection_flags"] = flags
        base["sources"] = sources
        quoted = self._extractive(base, standalone, qvec, passages, "", {})
        if self.config.extractive.preview and quoted.mode == "extractive":
            clock.latency.preview_ms = round((time.perf_counter() - total_start) * 1000, 1)
            yield Preview(answer=quoted)
        prompts = self.config.prompts
        prompt_passages = passages
        if budget := self.config.retrieval.context_compressed_tokens:
            prompt_passages = compress(standalone, qvec, passages, self.rt.embedder, budget)
        messages = answer_messages(prompts.system, prompts.answer, standalone, prompt_passages)
        clock.lap()  # the preview's time is not the model's
        raw: list[str] = []  # everything the model wrote, shown or held back

        def tap(deltas: Iterator[str]) -> Iterator[str]:
            for delta in deltas:
                raw.append(delta)
                yield delta

        failure = None
        try:
            for delta in self._hold_back_not_found(tap(generator.stream(messages))):
                if clock.latency.answer_first_token_ms is None:
                    elapsed = time.perf_counter() - total_start
                    clock.latency.answer_first_token_ms = round(elapsed * 1000, 1)
                yield delta
        except GeneratorUnavailable as err:
            failure = str(err)
        text = "".join(raw)
        clock.latency.first_token_ms = (
            round(generator.usage.first_token_ms, 1) if generator.usage.first_token_ms else None
        )
        clock.latency.generate_ms = clock.lap()
        prompt_tokens = generator.usage.prompt_tokens
        if prompt_tokens is None and not self._external:
            prompt_tokens = count_prompt_tokens(self.generator_url, messages)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": generator.usage.completion_tokens,
        }

        if failure is None and says_not_found(text):
            answer = self._refusal(
                base, stored_standalone, "model_not_found", NOT_IN_DOCUMENTS, sources, **usage
            )
            answer.latency = clock.latency
            if cacheable:
                store_answer(self.rt.engine, key, answer)
            yield finish(answer)
            return

        verified = None
        unchecked: Exception | None = None
        if failure is None:
            c = self.config.citations
            try:
                verified = verify(
                    text, passages, self.rt.embedder, c.min_lexical_support, c.min_semantic_support
                )
            except Exception as err:  # a fault here costs the reader the wording, not the answer
                unchecked, failure = err, UNCHECKED
        if verified is not None:
            if verified.supported_sentences == 0:
                failure = "the model's answer could not be verified against the passages"
            elif any(numbers(sentence) for sentence in verified.dropped):
                # A wrong figure (a limit, a deadline, an amount) is the costly mistake: the
                # passages' own sentences are safer than the rest of such an answer.
                failure = "the model stated a figure the passages do not support"
        if verified is not None and failure is None:
            answer = Answer(
                **base,
                text=verified.text,
                mode="generated",
                citations=[_citation(n, p, snippet) for n, p, snippet in verified.cited],
                removed_markers=verified.removed,
                moved_markers=verified.moved,
                dropped_sentences=len(verified.dropped),
                **usage,
            )
            clock.latency.verify_ms = clock.lap()
            answer.latency = clock.latency
            if cacheable:
                store_answer(self.rt.engine, key, answer)
            yield finish(answer)
            return

        answer = quoted.model_copy(update={"fallback_reason": failure or "", **usage})
        clock.latency.verify_ms = clock.lap()
        answer.latency = clock.latency
        if cacheable and verified is not None:  # not when the model was down: that passes
            store_answer(self.rt.engine, key, answer)
        answer = finish(answer)
        if unchecked is not None:
            log.error(
                "Verification failed for interaction %s; the quoted answer was shown instead.",
                answer.interaction_id,
                exc_info=unchecked,
            )
        yield answer

    # -- steps --------------------------------------------------------------
    def _standalone(self, generator: Generator, question: str, history: Sequence[Turn]) -> str:
        """The follow-up rewritten to stand alone (model first, a plain rule if it fails)."""
        if not history:
            return question
        last = history[-1]
        own = set(content_words(question))
        if not (_FOLLOW_UP.search(question) or len(own) <= 3):
            return question  # already stands alone; no model call, no added latency
        convo = "\n".join(f"User: {t.question}\nAssistant: {t.answer[:300]}" for t in history[-3:])
        prompt = self.config.prompts.rewrite.format(history=convo, question=question)
        try:
            rewritten = generator.complete([{"role": "user", "content": prompt}], max_tokens=60)
        except GeneratorUnavailable:
            rewritten = ""
        rewritten = rewritten.strip().strip('"').splitlines()[0].strip() if rewritten else ""
        context = set(content_words(" ".join(t.question for t in history))) - own
        # A rewrite counts only if it brought something from the conversation in.
        plausible = (
            5 <= len(rewritten) <= 3 * len(question) + 200
            and not says_not_found(rewritten)
            and bool(set(content_words(rewritten)) & context)
        )
        return rewritten if plausible else f"{last.question} {question}"

    def _context(self, hits: list[ScoredChunk]) -> tuple[list[Passage], list[str]]:
        r = self.config.retrieval
        passages: list[Passage] = []
        flags: list[str] = []
        budget = r.context_token_budget
        for hit in hits:
            if len(passages) >= r.context_chunks:
                break
            text, changed = neutralise(hit.chunk.text)
            cost = self.rt.embedder.count_tokens(text) + 20
            if passages and cost > budget:
                continue
            budget -= cost
            if changed:
                flags.append(hit.chunk.path)
            passages.append(Passage(n=len(passages) + 1, hit=hit, text=text, vector=hit.vector))
        return passages, flags

    @staticmethod
    def _hold_back_not_found(deltas: Iterator[str]) -> Iterator[str]:
        """Buffer the first few characters so a NOT_FOUND reply is never shown as text."""
        head = ""
        for delta in deltas:
            if head is not None:
                head += delta
                if len(head) < 12:
                    continue
                if says_not_found(head):
                    head = None  # swallow the rest too
                    continue
                yield head
                head = None
                continue
            yield delta
        if head and not says_not_found(head):
            yield head

    def _extractive(
        self,
        base: dict,
        standalone: str,
        qvec: np.ndarray,
        passages: list[Passage],
        reason: str,
        usage: dict,
    ) -> Answer:
        e = self.config.extractive
        text, used = extractive.compose(
            standalone, qvec, passages, self.rt.embedder, e.max_sentences, e.min_sentence_score
        )
        if not text:
            return self._refusal(
                base, base["standalone_query"], "unverifiable", NOT_IN_DOCUMENTS, base["sources"]
            )
        by_n = {p.n: p for p in passages}
        renumber = {n: i + 1 for i, n in enumerate(used)}
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber.get(int(m.group(1)), '?')}]", text)
        citations = [
            _citation(renumber[n], by_n[n], _first_sentence_in(text, renumber[n])) for n in used
        ]
        return Answer(
            **base,
            text=text,
            mode="extractive",
            citations=citations,
            fallback_reason=reason,
            **usage,
        )

    def _refusal(
        self,
        base: dict,
        standalone: str,
        reason: RefusalReason,
        message: str,
        sources: list[Source],
        **usage: int | None,
    ) -> Answer:
        fields = {**base, "sources": sources[:SOURCES_OFFERED]}
        fields.setdefault("standalone_query", standalone)
        return Answer(
            **fields,
            text=message,
            mode="refused",
            refused=True,
            refusal_reason=reason,
            **usage,
        )


def _first_sentence_in(text: str, n: int) -> str:
    for unit in split_units(text):
        if n in marker_numbers(unit):
            return re.sub(r"\s*\[\d+\]", "", unit).strip()
    return ""


def _source(hit: ScoredChunk, similarity: float) -> Source:
    c = hit.chunk
    return Source(
        chunk_id=c.id,
        document=c.path,
        title=c.title,
        section=c.section,
        page=c.page,
        score=round(hit.score, 4),
        similarity=round(similarity, 4),
        content_hash=c.content_hash,
        text=c.text,
    )


def _citation(n: int, passage: Passage, snippet: str) -> Citation:
    c = passage.hit.chunk
    return Citation(
        n=n,
        chunk_id=c.id,
        document_id=c.document_id,
        document=c.path,
        title=c.title,
        section=c.section,
        page=c.page,
        snippet=snippet,
        text=c.text,
        score=round(passage.hit.score, 4),
        content_hash=c.content_hash,
    )


__all__ = ["Asker", "Pipeline", "Turn"]
