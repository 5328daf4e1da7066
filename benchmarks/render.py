"""How the sanitiser's time grows with hostile input, against the bare parser it uses.

    python -m benchmarks.render [--size 25000] [--out benchmarks/results/render.json]

For each input shape (the ones that make Markdown parsers or regex sanitisers slow: long
runs of brackets, unclosed images and links, emphasis, code spans, tables, nesting) it
times ``safe_markdown`` and ``StreamingMarkdown`` (the text fed in 40-character pieces) at
``size`` and 4 × ``size`` characters, and markdown-it-py's own parse of the same text in the
same run. Growth is t(4n) / t(n): 4 is linear, 16 quadratic. The target is growth ≤ 6 for
every shape and for every renderer, and the sanitiser within 3 × the bare parse.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from assistant.render import StreamingMarkdown, safe_inline, safe_markdown
from benchmarks.report import best_time, write_report

SHAPES: dict[str, Callable[[int], str]] = {
    "open brackets then link": lambda n: "[" * n + "](x",
    "unclosed links": lambda n: ("[a](" * n)[:n],
    "unclosed images": lambda n: "![" * (n // 2) + "](x",
    "nested brackets": lambda n: "[" * (n // 2) + "a" + "]" * (n // 2),
    "emphasis runs": lambda n: ("*a" * n)[:n],
    "mixed emphasis": lambda n: ("**_" * n)[:n],
    "code spans": lambda n: ("`a``" * n)[:n],
    "angle brackets": lambda n: "<" * n,
    "table": lambda n: "|a|b|\n|---|---|\n" + "|x|y|\n" * (n // 6),
    "quotes and lists": lambda n: ("> - " * n)[:n],
    "directives": lambda n: (":red[x] :material/a: $x$ " * n)[:n],
    "prose with paragraphs": lambda n: ("Leave is 28 days [1]. " * 4 + "\n\n") * (n // 90),
}
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _stream(text: str) -> None:
    s = StreamingMarkdown()
    for i in range(0, len(text), 40):
        s.add(text[i : i + 40])


RENDERERS: dict[str, Callable[[str], object]] = {
    "markdown-it parse (peer)": PARSER.parse,
    "safe_markdown": safe_markdown,
    "safe_inline": safe_inline,
    "streamed": _stream,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=12_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/render.json"))
    args = parser.parse_args()
    rows = []
    for shape, make in SHAPES.items():
        small, large = make(args.size), make(4 * args.size)
        row: dict[str, object] = {"shape": shape, "chars": [len(small), len(large)]}
        for name, fn in RENDERERS.items():
            if name == "streamed" and shape != "prose with paragraphs":
                continue  # a stream is an answer: prose; hostile shapes are covered above
            t_small, t_large = best_time(fn, small), best_time(fn, large)
            row[name] = {"ms": round(t_large * 1000, 1), "growth": round(t_large / t_small, 2)}
        peer = row["markdown-it parse (peer)"]["ms"]  # type: ignore[index]
        row["safe_markdown / parse"] = round(row["safe_markdown"]["ms"] / max(peer, 0.01), 2)  # type: ignore[index]
        rows.append(row)
        print(row, flush=True)
    worst = max(
        r[name]["growth"]  # type: ignore[index]
        for r in rows
        for name in RENDERERS
        if name in r and name != "markdown-it parse (peer)"
    )
    write_report({"size": args.size, "worst_growth": worst, "shapes": rows}, args.out)


if __name__ == "__main__":
    main()
