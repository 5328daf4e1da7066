"""Where a text says a name comes next, whatever the name's case and whether any list knows
it: a labelled field ("Name: Krause, Heike", "姓名：王芳"), a self-introduction ("je
m'appelle théo girard", "меня зовут Алексей", "Ich bin Jürgen Weißmüller"), or the line
after a sign-off ("Danke,\\nLukas").

A cue that always introduces a name ("my name is", "me llamo") takes the words after it up
to punctuation; one that often does not ("I am", "ich bin", "je suis": "I am covering",
"ich bin Teamleiter") takes only capitalised words, two of them or one known given name.
Every pattern is linear in its input: bounded repetitions, no nesting."""

from __future__ import annotations

import regex

from assistant.answering.known_names import KnownNames

_LABELS = (
    "name|full name|first name|last name|surname|employee|contact|nom|prénom|nom complet|"
    "nombre|apellidos?|nombre completo|nome|cognome|nome completo|naam|voornaam|achternaam|"
    "namn|förnamn|efternamn|nazwisko|imię|imię i nazwisko|nume|prenume|név|nimi|soyad|"
    "ad soyad|isim|vorname|nachname|mitarbeiter(?:in)?|ansprechpartner(?:in)?|имя|фамилия|"
    "фио|ім['’]я|прізвище|όνομα|επώνυμο|ονοματεπώνυμο|الاسم|שם|שם מלא|नाम|nama|tên|họ tên|"
    "họ và tên|姓名|氏名|名前|이름|성명"
)
# up to four words of a name, "Krause, Heike" included; stops at a line's end or ";"
_NAME_WORDS = r"[\p{L}\p{M}'’.\-]+(?:,?[ \t]+[\p{L}\p{M}'’.\-]+){0,3}"
# a label opens a line or follows ";", "|", "(" or a sentence's end: "File name:" is no cue
_LABELLED = regex.compile(
    rf"(?i)(?:^|(?<=[;|(.!?。])[ \t]*)[ \t]*(?:{_LABELS})[ \t]*[:：][ \t]*({_NAME_WORDS})",
    regex.MULTILINE,
)
# Cues that always introduce a name
_SURE = (
    "my name is|my name's|i am called|ich heiße|ich heisse|mein name ist|je m['’]appelle|"
    "mon nom est|me llamo|mi nombre es|mi chiamo|il mio nome è|me chamo|meu nome é|"
    "o meu nome é|mijn naam is|ik heet|jag heter|mitt namn är|nazywam się|mam na imię|"
    "mă numesc|numele meu este|a nevem|nimeni on|benim adım|adım|меня зовут|моё имя|"
    "мое имя|мене звати|моє ім['’]я|με λένε|ονομάζομαι|اسمي|קוראים לי|שמי|मेरा नाम|"
    "nama saya|tên tôi là|tôi tên là|我叫|我的名字是|私の名前は|제 이름은"
)
# Cues that introduce a name only sometimes
_MAYBE = (
    "i am|i'm|ich bin|je suis|soy|sono|sou o|sou a|ik ben|jag är|jestem|sunt|olen|ben|"
    "я|είμαι ο|είμαι η|είμαι|أنا|אני|saya|tôi là|我是"
)
_STOP = regex.compile(
    r"(?i)^(?:and|und|et|y|e|en|och|és|ja|ve|и|і|και|و|ו|dan|và|from|aus|de|da|du|von|"
    r"here|hier|ici|aquí|qui|hier|है|です|입니다)$"
)
_AFTER_SURE = regex.compile(rf"(?i)(?<![\p{{L}}])(?:{_SURE})[ \t]+({_NAME_WORDS})")
_AFTER_MAYBE = regex.compile(rf"(?i)(?<![\p{{L}}])(?:{_MAYBE})[ \t]+({_NAME_WORDS})")
_SIGN_OFFS = (
    "thanks|thank you|many thanks|cheers|best|best regards|kind regards|regards|br|"
    "danke|vielen dank|grüße|viele grüße|beste grüße|lg|mfg|merci|cordialement|"
    "bien à vous|gracias|saludos|un saludo|grazie|saluti|cordiali saluti|obrigado|"
    "obrigada|abraços|atenciosamente|groeten|met vriendelijke groet|bedankt|tack|"
    "hälsningar|mvh|dziękuję|pozdrawiam|mulțumesc|köszönöm|üdvözlettel|kiitos|terveisin|"
    "teşekkürler|saygılarımla|спасибо|с уважением|дякую|з повагою|ευχαριστώ|شكرا|תודה|"
    "धन्यवाद|terima kasih|salam|cảm ơn|谢谢|ありがとうございます|감사합니다"
)
_SIGNED = regex.compile(
    rf"(?im)^[ \t]*(?:{_SIGN_OFFS})[ \t]*[,!.]?[ \t]*\n[ \t]*"
    r"([\p{L}\p{M}'’.\-]+(?:[ \t]+[\p{L}\p{M}'’.\-]+){0,2})[ \t]*$"
)
_MAX_WORDS = 3


def cued_names(text: str, names: KnownNames) -> list[tuple[int, int]]:
    """Spans of the names these cues introduce in ``text``."""
    out = [_span(m, 1) for m in _LABELLED.finditer(text)]
    out += [_span(m, 1) for m in _SIGNED.finditer(text)]
    for m in _AFTER_SURE.finditer(text):
        out.extend(_leading_words(text, m.start(1), m.group(1), lambda w: True))
    for m in _AFTER_MAYBE.finditer(text):
        found = _leading_words(text, m.start(1), m.group(1), _capitalised)
        for start, end in found:
            words = text[start:end].split()
            if len(words) >= 2 or names.is_given(words[0]):
                out.append((start, end))
    return [s for s in out if s[0] < s[1]]


def _span(match: regex.Match, group: int) -> tuple[int, int]:
    start, end = match.span(group)
    return start, end


def _capitalised(word: str) -> bool:
    head = word[0]
    return head.isupper() or not head.islower()  # a capital, or a script without case


def _leading_words(text: str, start: int, words: str, ok) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The first words of ``words`` (at ``start`` in ``text``) that ``ok`` accepts, up to a
    comma, a stop word or three words."""
    end, taken = start, 0
    for word in regex.finditer(r"[^\s,]+|,", words):
        token = word.group()
        if token == "," or _STOP.match(token) or not ok(token) or taken == _MAX_WORDS:
            break
        end, taken = start + word.end(), taken + 1
    return [(start, end)] if taken else []
