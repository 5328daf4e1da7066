"""A comparison as text: a table for the terminal, or Markdown for a pull request."""

from __future__ import annotations

from assistant.phrases import counted
from review.evaluation.compare import Comparison

MARK = {"improved": "▲ improved", "regressed": "▼ regressed", "inconclusive": "· inconclusive",
        "unchanged": "= unchanged"}  # fmt: skip


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _cited(documents: list[str]) -> str:
    return ", ".join(documents) or "no citations"


def render(c: Comparison, *, markdown: bool = False) -> str:
    head = ["metric", "baseline", "candidate", "delta", "95% interval", "cases", "verdict"]
    rows = [
        [m.metric, _num(m.baseline), _num(m.candidate), _num(m.delta),
         f"[{_num(m.low)}, {_num(m.high)}]", str(m.cases), MARK[m.verdict]]
        for m in c.metrics
    ]  # fmt: skip
    lines = [
        f"baseline {c.baseline[:8]} vs candidate {c.candidate[:8]}: {c.shared_cases} shared cases"
    ]
    lines += [f"note: {n}" for n in c.notes]
    if markdown:
        lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
        lines += [
            "  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)) for r in [head, *rows]
        ]
    mc = c.mcnemar
    lines.append(
        f"pass -> fail {mc.pass_to_fail}, fail -> pass {mc.fail_to_pass} "
        f"(McNemar exact p = {mc.p_value:.4f})"
    )
    for f in c.flips:
        lines += [
            "",
            f"{'### ' if markdown else ''}{f.case_id}: {f.change} ({f.why or 'see answers'})",
            f"  question:  {f.question}",
            f"  reference: {f.reference}",
            f"  baseline:  {f.baseline_answer}  [{_cited(f.baseline_cited)}]",
            f"  candidate: {f.candidate_answer}  [{_cited(f.candidate_cited)}]",
        ]
    if c.hidden_flips:
        hidden = counted(c.hidden_flips, "more case")
        lines.append(f"{hidden} changed whose passages you may not read.")
    return "\n".join(lines)
