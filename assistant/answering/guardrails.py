"""Guardrails: prompt-injection detection and out-of-role requests (personal data: ``pii``).

Injection: retrieved text is data, never instructions. Passages that read like
instructions to the assistant (override, reveal the system prompt, role-play,
chat-template tokens) are detected and the offending sentences replaced before
the text reaches the model; questions that try the same, or that ask the
assistant to act outside its role, get a polite refusal instead of an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
