"""What the injection defences cost on clean text: false alarms over documentation in
26 languages.

    python -m benchmarks.injection_clean [--language CODE ...] [--out FILE] [--show N]

The Debian Administrator's Handbook (``debian-handbook``, from Debian's archive, a package
registry) in all its translations (Arabic, Catalan, Czech, Danish, German, Greek, English,
Spanish, Farsi, French, Croatian, Indonesian, Italian, Japanese, Korean, Norwegian, Dutch,
Polish, Portuguese, Romanian, Russian, Swedish, Turkish, Vietnamese, Chinese): a long
technical book full of imperatives ("add", "always", "you must", "never"), so a detector
that reads any order as an attack shows here. Every paragraph, list item and table cell
written in its folder's language (py3langid; the translations are partial, and their
untranslated pages count for English only) is checked as the pipeline checks a passage
(``detect_injection``: sentence by sentence, and two or three at a time); the report is
the share of blocks flagged, per language, with the first flagged blocks of each to
read. No model, no index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from assistant.answering.guardrails import detect_injection
from assistant.config import Settings
from assistant.index.language import identify
from benchmarks.corpora.common import fetch_package
from benchmarks.report import write_report

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "debian-handbook"
BOOK = Path("usr/share/doc/debian-handbook/html")
BLOCKS = ["p", "li", "td", "dd", "dt", "blockquote", "h1", "h2", "h3", "h4", "th"]


def blocks(page: Path) -> list[str]:
    """A page's innermost text blocks (a list item's paragraphs once, not twice)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8", errors="replace"), "html.parser")
    for junk in soup(["script", "style", "pre", "code"]):
        junk.decompose()  # commands and file listings are not prose
    out = []
    for node in soup.find_all(BLOCKS):
        if node.find(BLOCKS):
            continue
        text = " ".join(node.get_text(" ").split())
        if len(text) >= 20:
            out.append(text)
    return out


def measure(book: Path, folder: str, show: int) -> dict:
    """Flagged blocks among those written in the folder's language (translations are
    partial: untranslated pages stay in English and are not counted for the language)."""
    language = {"nb": "no"}.get(folder.split("-")[0], folder.split("-")[0])  # py3langid's code
    pages = sorted((book / folder).glob("*.html"))
    texts = [b for page in pages for b in blocks(page) if identify(b) == language]
    checks = ((t, detect_injection(t)) for t in texts)
    flagged = [(t, check) for t, check in checks if check.suspicious]
    return {
        "blocks": len(texts),
        "flagged": len(flagged),
        "share": round(len(flagged) / len(texts), 5) if texts else None,
        "examples": [{"text": t[:300], "why": list(check.matches)} for t, check in flagged[:show]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", action="append", dest="languages",
                        help="a folder of the book, e.g. de-DE (default: every one)")  # fmt: skip
    parser.add_argument("--show", type=int, default=5, help="flagged blocks kept per language")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "injection_clean.json"
    )
    args = parser.parse_args()
    book = fetch_package(PACKAGE, Settings().cache_dir / "bench" / "packages") / BOOK
    languages = args.languages or sorted(p.name for p in book.iterdir() if p.is_dir())
    per = {}
    for language in languages:
        per[language] = measure(book, language, args.show)
        row = per[language]
        print(f"{language}: {row['flagged']} of {row['blocks']} blocks flagged", file=sys.stderr)
    shares = [r["share"] for r in per.values() if r["share"] is not None]
    report = {
        "package": PACKAGE,
        "languages": per,
        "blocks": sum(r["blocks"] for r in per.values()),
        "flagged": sum(r["flagged"] for r in per.values()),
        "mean_share": round(statistics.fmean(shares), 5) if shares else None,
        "worst": max(per, key=lambda k: per[k]["share"] or 0.0) if per else None,
    }
    write_report(report, args.out)


if __name__ == "__main__":
    main()
