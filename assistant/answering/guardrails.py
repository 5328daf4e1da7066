"""Guardrails: PII redaction, prompt-injection detection, out-of-role requests.

PII: presidio's analyzer with pattern recognizers only (no NLP model, so it runs
offline) and its anonymizer, replacing each finding with ``<ENTITY_TYPE>``.
Only entity types are ever recorded, never the values.

Injection: retrieved text is data, never instructions. Passages that read like
instructions to the assistant (override, reveal the system prompt, role-play,
chat-template tokens) are detected and the offending sentences replaced before
the text reaches the model; questions that try the same, or that ask the
assistant to act outside its role, get a polite refusal instead of an answer.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

# tldextract (used by presidio's URL/email recognizers) fetches the public-suffix list
# from the internet unless told not to; the bundled snapshot is enough.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

PII_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
    "UK_NHS", "UK_NINO", "MAC_ADDRESS",
)  # fmt: skip


@dataclass(frozen=True)
class Redaction:
    text: str
    entities: tuple[str, ...]  # types found, sorted, without values

    @property
    def found(self) -> bool:
        return bool(self.entities)


class PiiRedactor:
    """Thread-safe; build once per process (loading recognizers takes a second)."""

    def __init__(self, score_threshold: float = 0.4) -> None:
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            IbanRecognizer,
            IpRecognizer,
            MacAddressRecognizer,
            NhsRecognizer,
            PhoneRecognizer,
            UkNinoRecognizer,
            UsSsnRecognizer,
        )
        from presidio_anonymizer import AnonymizerEngine

        registry = RecognizerRegistry(supported_languages=["en"])
        # presidio's EmailRecognizer drops addresses whose TLD it does not know (internal
        # domains, .local, .example); an address is personal data whatever its domain.
        email = PatternRecognizer(
            supported_entity="EMAIL_ADDRESS",
            patterns=[Pattern("email", r"\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)+\b", 0.9)],
        )
        for recognizer in (
            email,
            PhoneRecognizer(supported_regions=("DE", "GB", "US", "FR", "NL", "CH", "AT")),
            CreditCardRecognizer(),
            IbanRecognizer(),
            UsSsnRecognizer(),
            IpRecognizer(),
            NhsRecognizer(),
            UkNinoRecognizer(),
            MacAddressRecognizer(),
        ):
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
            supported_languages=["en"],
        )
        self._anonymizer = AnonymizerEngine()
        self._threshold = score_threshold
        self._lock = threading.Lock()

    def redact(self, text: str) -> Redaction:
        if not text.strip():
            return Redaction(text, ())
        with self._lock:
            results = self._analyzer.analyze(
                text=text,
                language="en",
                entities=list(PII_ENTITIES),
                score_threshold=self._threshold,
            )
            if not results:
                return Redaction(text, ())
            redacted = self._anonymizer.anonymize(text=text, analyzer_results=results).text
        return Redaction(redacted, tuple(sorted({r.entity_type for r in results})))


@lru_cache(maxsize=1)
def default_redactor() -> PiiRedactor:
    return PiiRedactor()


# -- prompt injection -------------------------------------------------------------
_INJECTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|all|any|your|the|these|those)\b[^.\n]{0,30}\b(instructions?|rules?|prompts?|directions?|guidelines?|context|messages?)",
    r"\b(reveal|show|print|repeat|output|display|leak|tell me|what is|what are|give me)\b[^.\n]{0,40}\b(system prompt|system message|initial prompt|hidden prompt|your prompt|your instructions|developer message|the prompt above)",
    r"\byou are (now|no longer)\b",
    r"\b(act|behave|respond|answer) as (if you were |though you were )?(an?|the|my)\b",
    r"\b(pretend|imagine|roleplay|role-play)\b[^.\n]{0,30}\b(you are|to be|you're)\b",
    r"\b(roleplay|role-play|role play)\b[^.\n]{0,10}\b(as|:)",
    r"\b(repeat|print|output|show|copy)\b[^.\n]{0,30}\b(everything|all|the text|the words|verbatim)\b[^.\n]{0,20}\b(above|before this|preceding)\b",
    r"\bfrom now on\b[^.\n]{0,60}\b(you|answer|respond|always|never)\b",
    r"\b(jailbreak|DAN mode|developer mode|god mode|do anything now)\b",
    r"\bnew (instructions?|rules?|task|persona|system prompt)\s*:",
    r"(<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|assistant\|>|\[INST\]|\[/INST\]|<<SYS>>|<</SYS>>)",
    r"^\s*(###\s*)?(system|assistant|instruction)s?\s*:",
    r"\b(instead|rather)\b[^.\n]{0,20}\b(say|reply|respond|answer|output|write)\b[^.\n]{0,40}\b(that|with|only)\b",
    r"\bwhen (asked|answering)\b[^.\n]{0,60}\b(always|never|you must|say|reply)\b",
    r"\b(send|email|post|forward|upload|exfiltrate)\b[^.\n]{0,50}\b(to|at)\b[^.\n]{0,40}(https?://|www\.|@)",
    r"!\[[^\]]*\]\(https?://[^)]*\?[^)]*=",  # image beacons that smuggle data out in a URL
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _INJECTION_PATTERNS), re.I | re.M)

_LANGUAGES = "english|german|french|spanish|italian|dutch|portuguese|polish|russian|chinese|japanese|korean|arabic|hindi|turkish|swedish|danish|norwegian|finnish|czech|greek|latin|klingon|pirate"
_OUT_OF_ROLE_PATTERNS = [
    # A request (not a question) to produce something: "Write a poem ...", "Could you compose ..."
    r"^\s*(please\s+)?((can|could|would|will) you\s+(please\s+)?)?(write|compose|generate|create|draft|make)\b[^.\n?]{0,30}\b(poem|song|story|joke|essay|code|script|program|limerick|haiku|rap|tweet|letter)\b",
    rf"\btranslate\b[^.\n?]{{0,60}}\b(into|to|in)\s+({_LANGUAGES})\b",
    r"\byour (system prompt|instructions|prompt|rules|guidelines|configuration)\b",
    r"\bthe (system prompt|hidden prompt|initial prompt|system message)\b",
    r"\b(instructions|rules|guidelines|prompt)\b[^.\n?]{0,20}\byou (were|have been|are|must|have to|follow)\b",
    r"\b(who|what) (made|built|trained|created|programmed) you\b",
    r"\b(hack|exploit|malware|phish|crack|bypass|keylogger)\b[^.\n?]{0,40}\b(password|account|system|server|security|login)\b",
    r"\bkeylogger|ransomware|malware\b",
]
_OUT_OF_ROLE = re.compile("|".join(f"(?:{p})" for p in _OUT_OF_ROLE_PATTERNS), re.I)
# Finer than wording.split_sentences on purpose: every line break and every sentence end
# cuts, so an instruction on its own line is removed without the facts around it.
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
NEUTRALISED = "[instruction-like text removed]"


@dataclass(frozen=True)
class InjectionCheck:
    suspicious: bool
    matches: tuple[str, ...] = ()


def detect_injection(text: str) -> InjectionCheck:
    found = [m.group(0).strip() for m in _INJECTION.finditer(text)]
    return InjectionCheck(bool(found), tuple(found[:5]))


def neutralise(text: str) -> tuple[str, bool]:
    """Replace instruction-like sentences of a passage; (text, whether anything changed)."""
    if not _INJECTION.search(text):
        return text, False
    parts = _SENTENCE.split(text)
    kept = [NEUTRALISED if _INJECTION.search(p) else p for p in parts]
    out: list[str] = []
    for part in kept:  # collapse runs of removed sentences
        if part == NEUTRALISED and out and out[-1] == NEUTRALISED:
            continue
        out.append(part)
    return " ".join(out), True


def out_of_role(question: str) -> bool:
    """A request the assistant should decline: not a question about the documents."""
    return bool(_OUT_OF_ROLE.search(question) or _INJECTION.search(question))
