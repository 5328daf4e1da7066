"""What a verified answer keeps of the quoted preview it replaces.

The reader sees the preview's quoted sentences first; the model's verified answer then
takes their place and sometimes states fewer figures (a deadline, an amount) than the
preview did. The preview's sentences holding a figure the answer left out, quoting a
passage the answer itself cites, are kept below it as labelled quotes: measured by
``benchmarks/preview_vs_final.py`` against keeping everything the preview said (more of
the reference's facts, many more words beside the point) and against nothing (the
reference's facts the reader had seen, lost; README, "The verified answer against the
preview").
"""

from __future__ import annotations

from assistant.answering.answer import Answer
from assistant.answering.citations import marker_numbers, split_units, without_markers
from assistant.answering.wording import numbers

LEAD = "*Also in the passages cited above:*"


def left_out(final: Answer, preview: Answer) -> list[str]:
    """The preview's sentences, each re-cited in ``final``'s numbering, that hold a figure
    ``final`` does not state and quote only passages ``final`` cites."""
    said = numbers(without_markers(final.text))
    chunk_of = {c.n: c.chunk_id for c in preview.citations}
    n_of = {c.chunk_id: c.n for c in final.citations}
    kept = []
    for unit in split_units(preview.text):
        cited = [n_of.get(chunk_of.get(n, "")) for n in marker_numbers(unit)]
        body = without_markers(unit).strip()
        if not cited or None in cited or not numbers(body) - said:
            continue
        markers = "".join(f"[{n}]" for n in dict.fromkeys(cited))
        kept.append(f"“{body}” {markers}")
    return kept


def keeping_left_out(final: Answer, preview: Answer) -> Answer:
    """``final``, followed by the preview's figures it left out (``left_out``), labelled."""
    quotes = left_out(final, preview)
    if not quotes:
        return final
    text = f"{final.text.rstrip()}\n\n{LEAD} {' '.join(quotes)}"
    return final.model_copy(update={"text": text, "kept_quotes": len(quotes)})
