from assistant.answering.known_names import known_names


def spans(text: str, english: bool = True) -> list[str]:
    """The names found, overlapping spans joined."""
    merged: list[list[int]] = []
    for a, b in sorted(known_names().spans(text, english)):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [text[a:b] for a, b in merged]


def test_a_given_name_and_a_family_name_are_a_name_in_any_script() -> None:
    assert spans("Ask Giulia Bianchi about it") == ["Giulia Bianchi"]
    assert spans("Ольга Иванова спросила") == ["Ольга Иванова"]
    assert spans("محمد أحمد اتصل") == ["محمد أحمد"]


def test_chinese_japanese_and_korean_names_by_family_name_given_name_or_title() -> None:
    assert spans("王芳已经提交了报销单吗？") == ["王芳"]
    assert spans("Please add 李建国 to the channel.") == ["李建国"]
    assert "박지성" in spans("박지성 씨의 출장 보고서를 찾아줘.")
    assert spans("我问了王先生") == ["王"]
    assert spans("公司的报销政策是什么？") == [] and spans("정책이 바뀌었나요?") == []


def test_outside_english_a_capitalised_word_before_a_family_name_is_a_name() -> None:
    text = "A Conceição Gonçalves já entregou?"
    assert spans(text, english=False) == ["Conceição Gonçalves"]
    assert spans(text) == []  # in English the model reads such names


def test_family_name_first_and_names_with_case_endings() -> None:
    assert spans("Szia, Nagy Eszter vagyok") == ["Nagy Eszter"]
    assert spans("Передайте Алексею Иванову", english=False) == ["Алексею Иванову"]
    assert spans("Передайте Алексею Иванову") == []  # endings are read outside English only
    assert spans("את הדוח לנועה לוי", english=False) == ["לנועה לוי"]


def test_a_name_runs_over_its_particles_and_further_family_names() -> None:
    assert spans("Fala com João da Silva Santos sobre isso.") == ["João da Silva Santos"]
    assert spans("Sofia García López dijo") == ["Sofia García López"]
    assert spans("Vraag het aan Jan de Vries.") == ["Jan de Vries"]  # listed as "de Vries"
    assert spans("Jean-Pierre Martin a refusé") == ["Jean-Pierre Martin"]


def test_capitalised_nouns_and_words_apart_are_not_names() -> None:
    assert spans("Gibt es am Münchner Standort eine Kantine?") == []
    assert spans("im August Urlaub nehmen") == []  # a month that is also a given name
    assert spans("Anna, Schmidt und Partner") == []  # punctuation between
    assert spans("Raymond\n\nHettinger") == []  # two lines of a list, not one name
    assert spans("Raymond\nHettinger") == ["Raymond\nHettinger"]  # one name, wrapped
    assert spans("anna schmidt") == []  # lower case: not read (the redactor's limit)


def test_the_lists_hold_many_locales() -> None:
    names = known_names()
    assert len(names.given) > 20_000 and len(names.family) > 20_000
    assert names.is_given("Giulia") and names.is_family("Nowak") and not names.is_given("Urlaub")
