from __future__ import annotations

import pytest

from assistant.index.language import DEFAULT, SUPPORTED, detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How many days of paid annual leave do full-time employees get?", "en"),
        ("Wie viele Urlaubstage bekommen Vollzeitbeschäftigte im Jahr?", "de"),
        ("Combien de jours de congés payés ont les salariés à temps plein ?", "fr"),
        ("¿Cuántos días de vacaciones pagadas tienen los empleados a tiempo completo?", "es"),
        ("Quanti giorni di ferie retribuite spettano ai dipendenti a tempo pieno?", "it"),
        ("Hoeveel vakantiedagen krijgen voltijdse medewerkers per jaar?", "nl"),
        ("Quantos dias de férias pagas recebem os funcionários a tempo inteiro?", "pt"),
    ],
)
def test_questions_are_read_in_their_language(text: str, language: str) -> None:
    assert language in SUPPORTED
    assert detect(text) == language


@pytest.mark.parametrize(
    "text",
    ["", "VPN", "git rebase", "sqlite3 VACUUM", "SELECT * FROM t WHERE x = 1", "42 1337 2026"],
)
def test_short_or_code_like_text_stays_english(text: str) -> None:
    """Too little to tell: read as the default (English, the analysis the index always had)."""
    assert detect(text) == DEFAULT


def test_a_language_the_index_cannot_analyse_is_read_as_the_default() -> None:
    assert detect("Сколько дней оплачиваемого отпуска получают сотрудники?") == DEFAULT
