"""How the redactor's time grows with hostile input, against the spaCy parse it runs on.

    python -m benchmarks.redaction [--size 4000] [--out benchmarks/results/redaction.json]

For each input shape that could make its patterns or name rules slow (runs of capitalised
words, of digits and separators, of known names, of cue words, of CJK characters, of
particles, a long address-like line) it times ``PiiRedactor.redact`` at ``size`` and 4 ×
``size`` characters, and spaCy's own parse of the same text in the same run (the part of
redaction that is the model's). Growth is t(4n) / t(n): 4 is linear, 16 quadratic. The
target is growth ≤ 6 for every shape. Questions are capped at
``ASSISTANT_MAX_QUESTION_CHARS`` before they reach it; stored answers and feedback are not.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from assistant.answering.pii import default_redactor
from benchmarks.report import best_time, write_report

SHAPES: dict[str, Callable[[int], str]] = {
    "prose with a name and a phone": lambda n: (
        "Please ask Giulia Bianchi on +49 89 12345678 about leave. " * n
    )[:n],
    "capitalised words": lambda n: ("Alpha Beta Gamma Delta " * n)[:n],
    "known names in a row": lambda n: ("Anna Maria Schmidt Müller " * n)[:n],
    "particles between capitals": lambda n: ("Anna de la von van der " * n)[:n],
    "digits and separators": lambda n: ("12 34.56-78/90 " * n)[:n],
    "capitals and digits": lambda n: ("AB12 CD34 EF56 " * n)[:n],
    "cue words": lambda n: ("my name is ich bin je suis Name: " * n)[:n],
    "labels on lines": lambda n: ("Name: Krause, Heike\n" * n)[:n],
    "sign-offs": lambda n: ("Thanks,\nLukas\n" * n)[:n],
    "street-like words": lambda n: ("14 rue des Lilas Via Roma 18 " * n)[:n],
    "CJK run": lambda n: ("王芳李建国田中花子さん" * n)[:n],
    "Arabic names": lambda n: ("محمد عبد الله أحمد " * n)[:n],
    "dates": lambda n: ("3. März 1987 1990年3月7日 " * n)[:n],
    "spelled-out addresses": lambda n: ("anna dot weber at firma dot " * n)[:n],
    "dotted words": lambda n: ("a.b.c.d.e.f.g.h.i.j." * n)[:n],
    "logins and handles": lambda n: ('CORP\\anna user="x1" @a_b login: k-s ' * n)[:n],
    "address lists": lambda n: ("To: Anna Berg <a@b.io>, Bob Lee <b@c.io>; " * n)[:n],
    "coordinates": lambda n: ("48.1374, 11.5754, 40.7411° N " * n)[:n],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks") / "results" / "redaction.json"
    )
    args = parser.parse_args()
    redactor = default_redactor()
    spacy = redactor._spacy  # the parse the redactor runs (the peer)
    rows = []
    for name, make in SHAPES.items():
        small, large = make(args.size), make(4 * args.size)
        ours = best_time(redactor.redact, small, 2), best_time(redactor.redact, large, 2)
        peer = best_time(spacy, small, 2), best_time(spacy, large, 2)
        rows.append(
            {
                "shape": name,
                "chars": [len(small), len(large)],
                "redact_s": [round(t, 4) for t in ours],
                "spacy_s": [round(t, 4) for t in peer],
                "growth": round(ours[1] / ours[0], 2),
                "spacy_growth": round(peer[1] / peer[0], 2),
                "over_spacy_at_4n": round(ours[1] / peer[1], 2),
            }
        )
        print(rows[-1])
    worst = max(r["growth"] for r in rows)
    write_report(
        {"size": args.size, "shapes": rows, "worst_growth": worst, "target": 6.0}, args.out
    )
    print(f"worst growth {worst} (target <= 6)")


if __name__ == "__main__":
    main()
