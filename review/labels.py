"""The words a person reads for each code the review loop stores: one place, so every page
says "thumbs down", never "negative_feedback"."""

from __future__ import annotations

WORDS: dict[str, str] = {
    # why an answer is in the review queue
    "negative_feedback": "thumbs down",
    "refused": "refused",
    "low_confidence": "low confidence",
    "sample": "random sample",
    "not_selected": "not selected",
    # where a review item is
    "new": "new",
    "in_review": "being reviewed",
    "graded": "graded",
    "approved": "approved",
    "rejected": "rejected",
    # what a reader said was wrong (or good)
    "wrong": "wrong",
    "incomplete": "incomplete",
    "wrong_citation": "wrong source cited",
    "missing_citation": "source missing",
    "outdated": "outdated",
    "unsafe": "unsafe",
    "other": "other",
    # a golden case
    "active": "active",
    "stale": "stale (its documents changed)",
    "superseded": "replaced by a newer case",
    # does a cited passage support its sentence
    "supports": "supports it",
    "partial": "partly",
    "does_not_support": "does not support it",
    # how an answer was made
    "generated": "written by the model",
    "extractive": "quoted from the documents",
    # the rubric's flags
    "should_have_refused": "should have refused",
    "safety_issue": "safety issue",
    # an evaluation run's measures (review/evaluation/metrics.py)
    "passed": "cases passed",
    "pass rate": "cases passed",
    "hit_at_k": "an expected passage found (hit@k)",
    "recall_at_k": "expected passages found (recall@k)",
    "mrr": "rank of the first expected passage (MRR)",
    "citation_precision": "citations that back their sentence",
    "citation_recall": "expected passages cited",
    "token_f1": "words shared with the reference (F1)",
    "similarity": "meaning close to the reference",
    "key_fact_recall": "the reference's figures and names stated",
    "faithfulness": "sentences backed by their sources",
    "judge_correctness": "judged correct (LLM judge)",
    "total_ms": "time per answer (ms)",
}

# What the two ends of each 1-5 rubric scale mean, shown beside the scale.
SCALE_ENDS: dict[str, tuple[str, str]] = {
    "correctness": ("wrong", "fully correct"),
    "groundedness": ("nothing backed by its sources", "every claim backed by a cited passage"),
    "completeness": ("misses most of the question", "answers all of it"),
    "helpfulness": ("no use to the asker", "exactly what the asker needed"),
}


def word(code: str | None) -> str:
    """The reader's word for ``code``; an unknown code is shown with spaces, never raw."""
    if not code:
        return ""
    return WORDS.get(code, code.replace("_", " "))


def scale_help(field: str) -> str:
    low, high = SCALE_ENDS[field]
    return f"1 = {low}, 5 = {high}"
