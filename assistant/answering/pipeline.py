"""Answering one question, as named steps over a ``Draft``: guard -> rewrite (and the
cache) -> retrieve -> preview -> generate -> judge -> finish (cache, log).

``Pipeline.stream`` yields text deltas as the model writes them and, last, the
final ``Answer`` (verified citations, or an extractive answer, or a refusal).
The final text can differ from the streamed one: unsupported citations are
removed after generation, so pages render the final ``Answer`` when it arrives.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from assistant.answering import conversations, extractive, followups, telemetry, versions
from assistant.answering.answer import NOT_IN_DOCUMENTS, Answer, Preview
from assistant.answering.citations import (
    Passage,
    marker_numbers,
    shown_while_streaming,
    snippet_for,
    split_units,
    verify,
)
from assistant.answering.compress import compress
from assistant.answering.config import AnswerConfig, RefusalSection
from assistant.answering.draft import Asker, Clock, Draft, Turn, citation_of, source_of
from assistant.answering.generate import (
    Generator,
    GeneratorUnavailable,
    answer_messages,
    says_not_found,
)
from assistant.answering.guardrails import neutralise, out_of_role
from assistant.answering.interactions import (
    AnswerFailure,
    cache_key,
    cached_answer,
    log_failure,
    log_interaction,
    store_answer,
)
from assistant.answering.left_out import keeping_left_out
from assistant.answering.pii import PiiRedactor, default_redactor
from assistant.answering.wording import numbers, plain_text
from assistant.errors import AssistantError
from assistant.index.analysis import term_coverage
from assistant.index.chunks import ScoredChunk
from assistant.index.language import DEFAULT as DEFAULT_LANGUAGE
from assistant.index.language import detect
from assistant.index.retrieve import Found, SearchRequest, distinct, rank_fused
from assistant.runtime import logs
from assistant.runtime.model_server import count_prompt_tokens, count_tokens
from assistant.runtime.stack import Runtime

log = logging.getLogger(__name__)

GENERATION_OFF = "answers are quoted: this configuration calls no model"
UNCHECKED = "the answer could not be checked against the passages, so they are quoted instead"
OUT_OF_SCOPE = (
    "I can only answer questions about the company's documents, so I can't help with that. "
    "Try asking about a policy, a process or a tool."
)
TERMS_DEPTH = 5  # the best-ranked passages whose words count as evidence against refusing
Settled = tuple[Answer, bool]  # an outcome, and whether the cache may keep it


def refuses(
    refusal: RefusalSection,
    query: str,
    hits: Sequence[ScoredChunk],
    similarities: list[float],
    evidence: Sequence[ScoredChunk] | None = None,
) -> bool:
    """Whether the documents are taken not to answer ``query``, from one search's hits,
    their cosines to it, and the passages its words are looked for in (``Found.evidence``;
    the hits when not given). Benchmarks apply the rule through here too."""
    second = [h.multilingual_similarity for h in hits if h.multilingual_similarity is not None]
    read = hits if evidence is None else evidence
    coverage = term_coverage(query, (h.chunk.text for h in read[:TERMS_DEPTH]))
    other = bool(second) and detect(query) != DEFAULT_LANGUAGE  # only e5 reads other languages
    return not hits or refusal.too_far(similarities, second, coverage, other_language=other)


class QuestionTooLong(AssistantError):
    """A question over ``max_question_chars``: refused before it is stored, shown or logged."""


class Pipeline:
    """Thread-safe: one per process, shared by every session."""

    def __init__(
        self,
        runtime: Runtime,
        config: AnswerConfig | None = None,
        redactor: PiiRedactor | None = None,
        *,
        use_cache: bool = True,  # benchmarks measure every answer afresh
        log_interactions: bool = True,  # evaluation replays are stored with their run instead
    ) -> None:
        self.rt = runtime
        self.use_cache = use_cache
        self.log_interactions = log_interactions
        self.settings = runtime.settings
        # Unless given one (an evaluation, a benchmark), it answers with production's.
        self.config = config or versions.serving(runtime.engine, runtime.settings)
        self.redactor = redactor or default_redactor()
        g = runtime.generator
        self.generator_model = g.model
        self.generator_url = g.base_url
        self._external = not g.local
        self._client = Generator.client_for(g.base_url, g.api_key, self.config.generation)

    # -- public -------------------------------------------------------------
    def stored_form(self, text: str) -> str:
        """``text`` as the assistant may store it: redacted unless configured otherwise."""
        return text if self.settings.store_raw_text else self.redactor.redact(text).text

    def ask(
        self,
        question: str,
        *,
        asker: Asker,
        history: Sequence[Turn] = (),
        conversation_id: str = "cli",
        fresh: bool = False,
    ) -> Answer:
        final = None
        for event in self.stream(
            question, asker=asker, history=history, conversation_id=conversation_id, fresh=fresh
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
        on_stopped: Callable[[Answer], None] | None = None,
        fresh: bool = False,  # regenerate: never served from the cache
    ) -> Iterator[str | Preview | Answer]:
        """Text deltas of the model's answer as it writes, perhaps a ``Preview`` before them,
        and the final, verified ``Answer`` last.

        Closing the stream while the model writes stops the model (its request is closed)
        and logs what the reader had seen as a "stopped" answer, handed to ``on_stopped``.

        The steps, in order; each of the first four may settle the answer (a refusal, or
        one from the cache), and every answer leaves through ``_finish``."""
        d = self._draft(question, asker, history, conversation_id)
        d.fresh = fresh
        # Every log line of this answer carries its id: set for each step, never held across
        # a yield (a stream left open or closed elsewhere must not label other lines).
        steps = self._steps(d, on_stopped)
        try:
            while True:
                with logs.request(d.request_id):
                    try:
                        event = next(steps)
                    except StopIteration:
                        return
                    except Exception as err:
                        self._failed(d, err)
                        raise
                yield event
        finally:
            with logs.request(d.request_id):
                steps.close()

    def _steps(
        self, d: Draft, on_stopped: Callable[[Answer], None] | None
    ) -> Iterator[str | Preview | Answer]:
        generator = d.generator
        settled = self._guard(d) or self._rewrite(d, generator) or self._retrieve(d)
        if settled is not None:
            yield self._finish(d, *settled)
            return
        if preview := self._preview(d):
            yield preview
        if self.config.generation.enabled:
            d.step = "generate"
            try:
                if d.widen:
                    self._widen(d, generator)
                yield from self._generate(d, generator)
            except GeneratorExit:  # the reader stopped it, or asked something else
                try:
                    stopped = self._finish(d, self._stopped(d), keep=False)
                except Exception:  # the stop itself must not fail the reader's next step
                    log.exception("Logging a stopped answer failed (%s).", d.conversation_id)
                else:
                    if on_stopped is not None:
                        on_stopped(stopped)
                raise
        else:
            d.failure, d.fallback = GENERATION_OFF, "not_configured"
        yield self._finish(d, *self._judge(d))

    # -- steps --------------------------------------------------------------
    def _draft(
        self, question: str, asker: Asker, history: Sequence[Turn], conversation_id: str
    ) -> Draft:
        clock = Clock()
        limit = self.settings.max_question_chars
        if len(question) > limit:  # before anything reads, stores or logs it
            raise QuestionTooLong(
                f"The question is {len(question):,} characters long; the limit is {limit:,}.",
                fix="Ask a shorter question, or raise ASSISTANT_MAX_QUESTION_CHARS.",
            )
        question = plain_text(question).strip()
        redaction = self.redactor.redact(question)
        redact_out = self.settings.redact_for_generator == "always" or (
            self.settings.redact_for_generator == "external" and self._external
        )
        return Draft(
            asker=asker,
            history=history,
            conversation_id=conversation_id,
            asked=question,
            redaction=redaction,
            stored_question=question if self.settings.store_raw_text else redaction.text,
            model_question=redaction.text if redact_out else question,
            model=self.generator_model,
            config_version=self.config.version,
            prompt_version=self.config.prompt_version,
            generator=Generator(self._client, self.generator_model, self.config.generation),
            clock=clock,
        )

    def _guard(self, d: Draft) -> Settled | None:
        """Nothing to answer, or not a question about the documents."""
        if not d.asked:
            d.stored_standalone = ""
            d.clock.lap("guard", "refused: empty question")
            return d.refusal("empty_question", "Please type a question."), False
        if out_of_role(d.asked):
            d.stored_standalone = d.stored_question
            d.clock.lap("guard", "refused: out of scope")
            return d.refusal("out_of_scope", OUT_OF_SCOPE), False
        d.clock.lap("guard", pii_found=d.redaction.found)
        return None

    def _rewrite(self, d: Draft, generator: Generator) -> Settled | None:
        """The question made to stand alone; an answer from the cache if it has one."""
        d.step = "rewrite"
        d.standalone = self._standalone(generator, d)
        rewrite = "as asked" if d.standalone == d.model_question else self._rewrite_kind(d)
        d.clock.latency.rewrite_ms = d.clock.lap("rewrite", rewrite)
        d.stored_standalone = self.stored_form(d.standalone)
        d.cache_key = cache_key(
            self.config.version,
            self.generator_model,
            self.generator_url,
            self.rt.store().fingerprint(),
            ",".join(sorted(d.asker.groups)),
            " ".join(d.standalone.lower().split()),
        )
        # never keep answers that might echo personal data
        d.cacheable = self.use_cache and not d.redaction.found
        hit = None
        if d.cacheable and not d.fresh:
            hit = cached_answer(self.rt.engine, d.cache_key)
        looked = "hit" if hit else "miss" if d.cacheable and not d.fresh else "not used"
        d.clock.lap("cache", looked)
        if hit is not None:
            hit.cached = True
            hit.question, hit.standalone_query = d.stored_question, d.stored_standalone
            hit.pii_entities = list(d.redaction.entities)
            return hit, False
        return None

    def _retrieve(self, d: Draft) -> Settled | None:
        """Passages under the asker's groups; a refusal when none is close enough."""
        d.step = "retrieve"
        # What is compared with the refusal threshold: the question as searched, whole.
        whole = qvec = self.rt.embedder.embed_query(d.standalone)
        if d.earlier is not None:  # a joined follow-up: the search leans to its own words
            weight = self.config.follow_ups.earlier_weight
            qvec = followups.leaning_vector(self.rt.embedder, d.model_question, d.earlier, weight)
        d.query_vector = qvec
        embedded = d.clock.lap("embed", model=self.rt.embedder.name)
        found = self._search(d.standalone, qvec, d.asker)
        d.hits = hits = found.hits
        sims = [float(h.vector @ whole) if h.vector is not None else 0.0 for h in hits]
        d.sources = [source_of(h, s) for h, s in zip(hits, sims, strict=True)]
        refused = refuses(self.config.refusal, d.standalone, hits, sims, found.evidence)
        if not refused:
            d.passages, d.injection_flags = self._context(hits)
        d.clock.latency.retrieve_ms = embedded + d.clock.lap(
            "retrieve",
            "refused: no passage close enough" if refused else "ok",
            hits=len(hits),
            best_similarity=round(max(sims), 4) if sims else None,
            passages=len(d.passages),
            neutralised=len(d.injection_flags) or None,
        )
        if refused:
            return d.refusal("no_relevant_documents", NOT_IN_DOCUMENTS), True
        return None

    def _preview(self, d: Draft) -> Preview | None:
        """The quoted answer, shown while the model writes (and kept as the fallback)."""
        d.step = "preview"
        d.quoted = self._extractive(d)
        shown = self.config.extractive.preview and d.quoted.mode == "extractive"
        d.clock.lap("preview", "shown" if shown else "not shown")
        if shown:
            d.clock.latency.preview_ms = d.clock.since_start()
            return Preview(answer=d.quoted)
        return None

    def _generate(self, d: Draft, generator: Generator) -> Iterator[str]:
        """The model's answer as it writes; a NOT_FOUND reply is never shown."""
        passages = d.passages
        d.clock.lap()  # between the steps (the page drawing the preview): no step's time
        if budget := self.config.retrieval.context_compressed_tokens:
            assert d.query_vector is not None
            passages = compress(d.standalone, d.query_vector, passages, self.rt.embedder, budget)
            d.clock.lap("compress", tokens=budget)
        prompts = self.config.prompts
        messages = answer_messages(prompts.system, prompts.answer, d.standalone, passages)
        raw: list[str] = []

        def tap(deltas: Iterator[str]) -> Iterator[str]:
            for delta in deltas:
                raw.append(delta)
                yield delta

        min_lexical = self.config.citations.min_lexical_support
        try:
            written = self._hold_back_not_found(tap(generator.stream(messages)))
            for delta in shown_while_streaming(written, d.passages, min_lexical):
                if d.clock.latency.answer_first_token_ms is None:
                    d.clock.latency.answer_first_token_ms = d.clock.since_start()
                d.shown_text += delta
                yield delta
        except GeneratorUnavailable as err:
            d.failure, d.fallback = str(err), "slow" if err.slow else "unavailable"
            self._revive_if_gone(err)
        d.model_text = "".join(raw)
        last_token_at = d.clock.since_start()  # before counting tokens: not the model's time
        usage = generator.usage
        d.clock.latency.first_token_ms = (
            round(usage.first_token_ms, 1) if usage.first_token_ms else None
        )
        prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
        if not self._external:  # llama.cpp's server reports no usage when it streams
            if prompt_tokens is None:
                prompt_tokens = count_prompt_tokens(self.generator_url, messages)
            if completion_tokens is None and d.model_text:
                completion_tokens = count_tokens(self.generator_url, d.model_text)
        d.usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
        d.clock.latency.generate_ms = self._generate_lap(d, d.fallback or "ok", last_token_at)

    def _judge(self, d: Draft) -> Settled:
        """The model's answer if it verifies; its refusal; else the quoted answer."""
        d.step = "verify"
        if d.failure is None and says_not_found(d.model_text):
            quotes = d.quoted is not None and d.quoted.mode == "extractive"
            if not quotes or self.config.refusal.when_model_finds_nothing == "refuse":
                d.clock.lap("verify", "refused: the model found nothing")
                return d.refusal("model_not_found", NOT_IN_DOCUMENTS), True
            d.failure, d.fallback = "the model found no answer in the passages", "not_found"
        verified = None
        if d.failure is None:
            c = self.config.citations
            try:
                verified = verify(
                    d.model_text,
                    d.passages,
                    self.rt.embedder,
                    c.min_lexical_support,
                    c.min_semantic_support,
                )
            except Exception as err:  # a fault here costs the reader the wording, not the answer
                d.unchecked, d.failure, d.fallback = err, UNCHECKED, "unchecked"
        if verified is not None:
            if verified.supported_sentences == 0:
                d.failure = "the model's answer could not be verified against the passages"
                d.fallback = "unverified"
            elif any(numbers(sentence) for sentence in verified.dropped):
                # A wrong figure (a limit, a deadline, an amount) is the costly mistake: the
                # passages' own sentences are safer than the rest of such an answer.
                d.failure = "the model stated a figure the passages do not support"
                d.fallback = "figure"
        verdict = "verified" if verified is not None and d.failure is None else None
        d.clock.latency.verify_ms = d.clock.lap(
            "verify",
            verdict or f"quoted instead: {d.fallback or 'no model answer'}",
            dropped_sentences=len(verified.dropped) if verified is not None else None,
        )
        if verified is not None and d.failure is None:
            answer = d.answer(
                text=verified.text,
                mode="generated",
                citations=[citation_of(n, p, snippet) for n, p, snippet in verified.cited],
                removed_markers=verified.removed,
                moved_markers=verified.moved,
                dropped_sentences=len(verified.dropped),
            )
            if d.clock.latency.preview_ms is not None and self.config.extractive.keep_left_out:
                assert d.quoted is not None  # the preview the reader saw: keep its figures
                answer = keeping_left_out(answer, d.quoted)
            return answer, True
        assert d.quoted is not None
        answer = d.quoted.model_copy(
            update={"fallback_reason": d.failure or "", "fallback": d.fallback, **d.usage}
        )
        return answer, verified is not None  # not when the model was down: that passes

    def _stopped(self, d: Draft) -> Answer:
        """What the reader had seen when they stopped the model: its sentences so far (each
        already checked word for word as it streamed), cited to the passages they name; or
        the quoted preview if the model had not shown anything yet."""
        d.clock.latency.generate_ms = self._generate_lap(
            d, "stopped by the reader", d.clock.since_start()
        )
        text = d.shown_text.strip()
        if not text:
            assert d.quoted is not None
            return d.quoted.model_copy(update={"mode": "stopped"})
        by_n = {p.n: p for p in d.passages}
        units = split_units(text)
        citations = [
            citation_of(
                n,
                by_n[n],
                snippet_for(units, n, by_n[n].text),
            )
            for n in sorted({n for u in units for n in marker_numbers(u)} & set(by_n))
        ]
        return d.answer(text=text, mode="stopped", citations=citations)

    def _finish(self, d: Draft, answer: Answer, keep: bool) -> Answer:
        """The one way out: latency, the cache (``keep``), the interaction log, the trace
        (stored with the answer up to the database write; the log line and OTLP also get
        the write itself, as the ``log`` step)."""
        d.step = "store"
        answer.latency = d.clock.latency
        answer.retries = d.generator.retries
        cached = keep and d.cacheable
        if cached:
            store_answer(self.rt.engine, d.cache_key, answer)
        stored_text = self.stored_form(answer.text) if self.log_interactions else ""
        d.clock.lap("store", "kept in the cache" if cached else "ok")
        answer.latency.total_ms = d.clock.since_start()
        answer.trace = d.clock.trace(d.request_id)
        if self.log_interactions:
            answer.interaction_id = log_interaction(
                self.rt.engine,
                answer,
                user_id=d.asker.user_id,
                conversation_id=d.conversation_id,
                stored_answer_text=stored_text,
                also=lambda s: conversations.note_turn(
                    s, d.asker.user_id, d.conversation_id, d.stored_question
                ),
                gap_vector=self._gap_vector(answer),
            )
        d.clock.lap("log", "stored" if answer.interaction_id else "not stored")
        if d.unchecked is not None:
            log.error(
                "Verification failed for interaction %s; the quoted answer was shown instead.",
                answer.interaction_id,
                exc_info=d.unchecked,
            )
        telemetry.record(
            answer,
            d.clock.trace(d.request_id),
            generator_url=self.generator_url,
            local_generator=not self._external,
        )
        return answer

    def _gap_vector(self, answer: Answer) -> bytes | None:
        """For a question the documents could not answer (refused for want of a passage,
        or whose best passage is far), the embedding of its stored text: the Insights page
        groups such questions by meaning. Embedded from the redacted text it stores."""
        best = max((s.similarity for s in answer.sources), default=None)
        far = best is None or best < self.settings.low_confidence_similarity
        if answer.refusal_reason in ("out_of_scope", "empty_question") or not (
            answer.refused or far
        ):
            return None
        text = answer.standalone_query or answer.question
        if not text:
            return None
        try:
            return self.rt.embedder.embed_query(text).astype(np.float32).tobytes()
        except Exception as err:  # a convenience for Insights: never a reason to lose the answer
            log.warning("The unanswered question's vector was not stored (%s).", type(err).__name__)
            return None

    def _generate_lap(self, d: Draft, outcome: str, last_token_at: float) -> float:
        """The model's step as a span: its first and last token, its tokens, its model."""
        return d.clock.lap(
            "generate",
            outcome,
            model=self.generator_model,
            first_token_ms=d.clock.latency.first_token_ms,
            shown_first_ms=d.clock.latency.answer_first_token_ms,
            last_token_at_ms=last_token_at,
            prompt_tokens=d.usage.get("prompt_tokens"),
            completion_tokens=d.usage.get("completion_tokens"),
            retries=d.generator.retries or None,
        )

    def _failed(self, d: Draft, err: Exception) -> None:
        """An answer that could not be given (a part down, a bug): its step and the kind
        of error are logged under its request id and stored for the Insights page; the
        error goes on to the caller, marked with the request id for its own log line.
        Nothing of the error's text is kept: a driver's message may quote the question."""
        logs.tag(err, d.request_id)
        kind = type(err).__name__
        log.error("The answer failed at its %s step (%s).", d.step, kind)
        d.clock.lap(d.step, f"failed: {kind}")
        telemetry.record_failure(
            d.clock.trace(d.request_id),
            kind,
            config_version=d.config_version,
            generator_url=self.generator_url,
            local_generator=not self._external,
        )
        if not self.log_interactions:
            return
        try:
            log_failure(
                self.rt.engine,
                AnswerFailure(
                    user_id=d.asker.user_id,
                    conversation_id=d.conversation_id,
                    question=d.stored_question,
                    config_version=d.config_version,
                    step=d.step,
                    error=kind,
                    request_id=d.request_id,
                    access=d.shared()["access"],
                ),
            )
        except Exception as also:  # the database may be what failed
            log.warning("The failure could not be stored (%s).", type(also).__name__)

    def _rewrite_kind(self, d: Draft) -> str:
        if d.earlier is not None:
            return "joined to the earlier question"
        return "by the model"

    def _revive_if_gone(self, err: GeneratorUnavailable) -> None:
        """Our own model server that no longer answers is started again for the next
        question (a hosted endpoint is its operator's)."""
        if err.unreachable and not self._external:
            self.rt.revive("generator")

    def _standalone(self, generator: Generator, d: Draft) -> str:
        """What is searched: the question, or a follow-up made to stand alone as the config
        says (followups.py); ``both`` searches the joined form first (``_widen`` later)."""
        question, history = d.model_question, d.history
        if not followups.needs_context(question, history):
            return question  # already stands alone; no model call, no added latency
        strategy = self.config.follow_ups.rewrite
        model = self.config.generation.enabled  # a quoted-only config calls no model at all
        if model and strategy == "model" and (rewritten := self._model_rewrite(generator, d)):
            return rewritten
        d.widen = model and strategy == "both"
        d.earlier = followups.earlier(history)
        return followups.joined(question, history)

    def _model_rewrite(self, generator: Generator, d: Draft) -> str | None:
        template = self.config.prompts.rewrite
        try:
            return followups.model_rewrite(generator, template, d.model_question, d.history)
        except GeneratorUnavailable as err:
            self._revive_if_gone(err)
            return None

    def _widen(self, d: Draft, generator: Generator) -> None:
        """``both``: after the preview, the model's rewrite is searched too and its passages
        fused with the joined question's for the model's answer."""
        d.widen = False
        d.clock.lap()
        rewritten = self._model_rewrite(generator, d)
        d.clock.latency.rewrite_ms += d.clock.lap("rewrite", "by the model" if rewritten else
                                                  "model unavailable", widened=True)  # fmt: skip
        if not rewritten or rewritten == d.standalone:
            return
        try:
            hits = self._search(rewritten, self.rt.embedder.embed_query(rewritten), d.asker).hits
        except Exception as err:  # a second look, not a reason to fail: the joined passages serve
            # (the error's text may quote the question: only its kind is logged)
            log.warning(
                "Searching a follow-up's rewrite failed (%s, %s); answering from the joined "
                "search.", type(err).__name__, d.conversation_id,
            )  # fmt: skip
            return
        d.hits = distinct(rank_fused(d.hits, hits))
        d.passages, d.injection_flags = self._context(d.hits)
        d.clock.latency.retrieve_ms += d.clock.lap("retrieve", hits=len(hits), widened=True)

    def _search(self, query: str, vector: np.ndarray, asker: Asker) -> Found:
        found = self.rt.retriever(self.config.retrieval_config()).find(
            SearchRequest(query, groups=asker.groups, vector=vector, with_vectors=True)
        )
        return Found(distinct(found.hits), distinct(found.evidence))

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

    def _extractive(self, d: Draft) -> Answer:
        """The passages' best sentences, cited; a refusal when none fits."""
        assert d.query_vector is not None
        e = self.config.extractive
        text, used = extractive.compose(
            d.standalone,
            d.query_vector,
            d.passages,
            self.rt.embedder,
            e.max_sentences,
            e.min_sentence_score,
        )
        if not text:
            return d.refusal("unverifiable", NOT_IN_DOCUMENTS)
        by_n = {p.n: p for p in d.passages}
        renumber = {n: i + 1 for i, n in enumerate(used)}
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber.get(int(m.group(1)), '?')}]", text)
        citations = [
            citation_of(renumber[n], by_n[n], _first_sentence_in(text, renumber[n])) for n in used
        ]
        return d.answer(text=text, mode="extractive", citations=citations, fallback_reason="")


def _first_sentence_in(text: str, n: int) -> str:
    for unit in split_units(text):
        if n in marker_numbers(unit):
            return re.sub(r"\s*\[\d+\]", "", unit).strip()
    return ""


__all__ = ["Asker", "Pipeline", "Turn"]
