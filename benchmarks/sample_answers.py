"""Answer benchmark on the sample company documents in data/: facts and honest refusals.

    python -m benchmarks.sample_answers [--config answering.toml] [--model M] [--data-dir D]

The Python FAQ (benchmarks/answers.py) measures grounding at scale; this measures what an
employee sees on documents like the product's own: for each answerable question, whether
the answer states the fact the documents give (a string that must appear in it) and cites
a document that holds it, and whether the model's answer verified or fell back to quotes;
for questions about the company that the documents do not cover, how often the assistant
says so. A stated fact without the expected string counts as missed, so paraphrases
("six months" vs "6 months") are written as the documents write them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from assistant.answering.config import load_answer_config
from assistant.answering.pipeline import Asker, Pipeline
from assistant.answering.wording import content_words
from assistant.config import PROJECT_ROOT, Settings
from assistant.runtime.stack import Runtime
from benchmarks.answers import pct
from benchmarks.report import answer_all, write_report

HANDBOOK, TRAVEL, IT = "employee-handbook.md", "travel-and-expense-policy.docx", "it-faq.html"
OFFICE, ONBOARDING = "office-guide.txt", "engineering-onboarding.rst"
SECURITY = "information-security-policy.pdf"

# (question, the fact as the documents state it, documents that hold it)
ANSWERABLE = [
    ("What is the nightly hotel limit in London?", "250", [TRAVEL]),
    ("What is the nightly hotel limit in most other cities?", "180", [TRAVEL]),
    ("How many days of paid annual leave do full-time employees get?", "28", [HANDBOOK]),
    ("How long is the probation period?", "six months", [HANDBOOK]),
    ("When are salaries paid?", "25th", [HANDBOOK]),
    ("How often are laptops replaced?", "four years", [IT]),
    ("Which multi-factor authentication methods are allowed?", "FIDO2", [IT]),
    ("When is the staff canteen open?", "11:30", [OFFICE]),
    ("What is the per diem for meals within Germany?", "45", [TRAVEL]),
    ("How many days per week can employees work remotely?", "three days", [HANDBOOK]),
    ("How long must passwords be?", "14", [IT, SECURITY]),
    ("How much parental leave do non-birth parents get?", "12 weeks", [HANDBOOK]),
    ("When do production deploys run?", "11:00", [ONBOARDING]),
    ("How much is the on-call allowance?", "300", [ONBOARDING]),
    ("How soon must a lost laptop be reported?", "one hour", [SECURITY]),
    ("After how many minutes of inactivity must a laptop lock its screen?", "five", [SECURITY]),
]
# About the company, but the documents do not say.
NOT_COVERED = [
    "Who is the CEO of Northwind Robotics?",
    "Is there a company gym or a fitness subsidy?",
    "How is the annual bonus calculated?",
    "Can I bring my dog to the office?",
    "Do employees get a company car?",
    "Is there a relocation allowance for new hires?",
    "How long a sabbatical can employees take?",
    "Is dental insurance included in the benefits?",
    "Is overtime paid?",
    "How many days of bereavement leave do employees get?",
]


def states(fact: str, text: str) -> bool:
    """Every word and number of ``fact`` is in ``text``, read as citations are checked
    ("5 minutes" states "five minutes")."""
    return set(content_words(fact)) <= set(content_words(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--config", type=Path, help="answering config (default: the product's)")
    parser.add_argument("--data-dir", type=Path, help="data dir (default: a fresh temporary one)")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "benchmarks" / "results" / "sample.json"
    )
    args = parser.parse_args()
    config = load_answer_config(args.config)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-sample-"))
    rt = Runtime(Settings(data_dir=data_dir, local_model=args.model))
    rt.start(lambda m: print(m, file=sys.stderr))
    try:
        rt.ingest([PROJECT_ROOT / "data"])
        pipe = Pipeline(rt, config=config, use_cache=False)
        asker = Asker("benchmark")
        rows = []
        answered, failed = answer_all(pipe, [q for q, _, _ in ANSWERABLE], asker)
        for i, a in answered:
            question, fact, documents = ANSWERABLE[i]
            rows.append(
                {
                    "question": question,
                    "mode": a.mode,
                    "states_fact": states(fact, a.text) and not a.refused,
                    "cites_source": any(
                        c.document.endswith(f"/{d}") for c in a.citations for d in documents
                    ),
                    "first_token_ms": a.latency.first_token_ms,
                }
            )
            print(rows[-1], file=sys.stderr)
        covered, covered_failed = answer_all(pipe, NOT_COVERED, asker)
    finally:
        rt.stop()
    n = len(rows)
    generated = [r for r in rows if r["mode"] == "generated"]
    ttft = [r["first_token_ms"] for r in rows if r["first_token_ms"]]
    result = {
        "config_version": config.version,
        "model": args.model,
        "answerable": n,
        "states_the_fact": round(sum(r["states_fact"] for r in rows) / n, 3),
        "states_the_fact_and_cites_its_document": round(
            sum(r["states_fact"] and r["cites_source"] for r in rows) / n, 3
        ),
        "model_answers_verified": f"{len(generated)} / {n}",
        "verified_model_answers_missing_the_fact": sum(not r["states_fact"] for r in generated),
        "answerable_refused": round(sum(r["mode"] == "refused" for r in rows) / n, 3),
        "not_covered": len(covered),
        "not_covered_refused": round(sum(a.refused for _, a in covered) / len(covered), 3),
        "first_token_ms_p50": round(pct(ttft, 0.5)) if ttft else None,
        "rows": rows,
        "not_covered_answers": [
            {"question": NOT_COVERED[i], "mode": a.mode, "answer": a.text[:200]} for i, a in covered
        ],
        "failed": failed + covered_failed,  # not counted above: listed here
    }
    write_report(result, args.out)


if __name__ == "__main__":
    main()
