"""An LLM judge of correctness, opt-in: any OpenAI-compatible endpoint and model, with its
prompt pinned (its version and hash are stored with the run).

The judge reads the question, the reference and the answer, and replies with one digit
from 1 (contradicts or misses the reference) to 5 (states the reference's facts); the
score is (digit − 1) / 4. A judge that is down, slow or replies with anything else gives
no score for that case: the metric is missing there, never zero, and the run counts how
often that happened.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import openai

PROMPT_VERSION = "judge-2026-11-29.1"
PROMPT = """You grade an assistant's answer against a reference answer written by a person.

Question: {question}
Reference answer: {reference}
Assistant's answer: {answer}

Does the assistant's answer state the facts of the reference answer, without contradicting
it? Reply with one digit and nothing else:
5 = states every fact of the reference; 4 = states the main fact, misses a detail;
3 = partly right; 2 = mostly wrong or missing; 1 = contradicts the reference or says nothing
of it."""
_DIGIT = re.compile(r"\b([1-5])\b")


@dataclass
class Judge:
    base_url: str
    model: str
    api_key: str = "unused"
    timeout_s: float = 60.0
    failures: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=self.api_key, timeout=self.timeout_s, max_retries=1
        )

    def describe(self) -> dict[str, str]:
        """What a run pins: the model, the endpoint and the prompt (never the key)."""
        return {
            "model": self.model,
            "endpoint": self.base_url,
            "prompt_version": PROMPT_VERSION,
            "prompt_sha256": hashlib.sha256(PROMPT.encode()).hexdigest()[:16],
        }

    def grade(self, question: str, reference: str, answer: str) -> float | None:
        """The judge's score in [0, 1], or None when it could not give one."""
        prompt = PROMPT.format(question=question, reference=reference, answer=answer)
        try:
            reply = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                temperature=0.0,
                max_tokens=4,
            )
            text = (reply.choices[0].message.content or "") if reply.choices else ""
        except openai.APIError:
            self.failures += 1
            return None
        found = _DIGIT.search(text)
        if found is None:
            self.failures += 1
            return None
        return (int(found.group(1)) - 1) / 4
