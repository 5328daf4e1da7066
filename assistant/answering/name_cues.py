"""Where a text says a name comes next, whatever the name's case and whether any list knows
it: a labelled field ("Name: Krause, Heike", "姓名：王芳"), a self-introduction ("je
m'appelle théo girard", "меня зовут Алексей", "Ich bin Jürgen Weißmüller"), a greeting
("Dear Tesfaye"), a name before an address in angle brackets ("Von: Weber, Anna
<anna.weber@…>"), the line after a sign-off or the last line after a comma ("Danke,\\n
Lukas"), initials before a family name ("J. R. Okafor"), or a title in a script without
capitals ("คุณสมศักดิ์", "خانم نگار").

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
    "danke|vielen dank|grüße|viele grüße|beste grüße|liebe grüße|herzliche grüße|"
    "freundliche grüße|mit freundlichen grüßen|lg|mfg|merci|cordialement|bises|"
    "saludos cordiales|un abrazo|"
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
# A greeting that opens a line: "Dear Tesfaye", "Hi Ngozi Okafor", "Hola Ana," (the
# capitalised words after it), unless they greet a group or close ("Liebe Grüße")
_GREETING = regex.compile(
    r"(?im)^[ \t]*(?:dear|hi|hello|hey|hallo|liebe|lieber|hej|hei|bonjour|salut|cher|"
    r"chère|hola|querida|querido|estimada|estimado|ciao|caro|cara|gentile|olá|beste|"
    r"drogi|droga|szia|merhaba|sayın)[ \t]+"
    r"(?!(?:grüße|grüsse|team|all|everyone|colleagues|kollegen|kolleginnen|alle|tous|"
    r"todos|tutti|allemaal|zusammen|folks|people)\b)"
    r"((?-i:\p{Lu})[\p{L}\p{M}'’\-]+(?:[ \t]+(?-i:\p{Lu})[\p{L}\p{M}'’\-]+){0,2})"
)
# Initials and a family name: "J. R. Okafor", "A.K. Mensah"
_INITIALS = regex.compile(
    r"(?-i:(?<![\p{L}.])(?:\p{Lu}\.[ \t]?){1,3}\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)"
)
# The last line of a message after a line ending in a comma: "…\n\nThanks a lot,\nEero"
_LAST_LINE = regex.compile(
    r",[ \t]*\n[ \t]*((?-i:\p{Lu})[\p{L}\p{M}'’\-]+(?:[ \t]+[\p{L}\p{M}'’\-]+)?)[ \t]*\Z"
)
# Titles in scripts without capitals, and the one to two words after them: Thai writes
# the title joined to the name (คุณสมศักดิ์), the others apart (خانم نگار, श्रीमती, አቶ)
_TITLE_CASELESS = regex.compile(
    r"(?:คุณ|นางสาว|นาง|นาย|ดร\.)([\p{Thai}]+(?:[ \t]+[\p{Thai}]+)?)"
    r"|(?<![\p{L}])(?:آقای|خانم|جناب|السيد|السيدة|الأستاذ|الأستاذة|الدكتور|الدكتورة|"
    r"श्री|श्रीमती|सुश्री|डॉ\.|திரு|திருமதி|செல்வி|শ্রী|শ্রীমতী|জনাব|অধ্যাপক|አቶ|ወ/ሮ|ወ/ሪት|"
    r"ዶ/ር|ბატონი|ქალბატონი|мистер|господин|госпожа)[ \t]+"
    r"([\p{L}\p{M}\u200c]+(?:[ \t]+[\p{L}\p{M}\u200c]+)?)"
)

# A mail header or an address list: after a colon or a comma, a name before an e-mail
# address in angle brackets, whatever the header's language ("From: Summer Hayes <...>",
# "Von: Weber, Anna <...>", "差出人: 高橋美咲 <...>", "To: \"Ana Ruiz\" <...>")
_BEFORE_ADDRESS = regex.compile(
    r"(?<=[:：;,])[ \t]*[\"'“]?((?:[\p{L}\p{M}'’.\-]+,?[ \t]+){0,3}[\p{L}\p{M}'’.\-]+)"
    r"[\"'”]?[ \t]*<[^<>\s@]{1,64}@[^<>\s]{1,255}>",
    regex.MULTILINE,
)


def cued_names(text: str, names: KnownNames) -> list[tuple[int, int]]:
    """Spans of the names these cues introduce in ``text``."""
    out = [m.span(1) for m in _LABELLED.finditer(text)]
    out += [m.span(1) for m in _BEFORE_ADDRESS.finditer(text)]
    out += [m.span(1) for m in _SIGNED.finditer(text)]
    out += [m.span(1) for m in _GREETING.finditer(text)]
    out += [m.span() for m in _INITIALS.finditer(text)]
    out += [m.span(1) for m in _LAST_LINE.finditer(text)]
    out += [m.span(1) if m.group(1) else m.span(2) for m in _TITLE_CASELESS.finditer(text)]
    for m in _AFTER_SURE.finditer(text):
        out.extend(_leading_words(text, m.start(1), m.group(1), lambda w: True))
    for m in _AFTER_MAYBE.finditer(text):
        found = _leading_words(text, m.start(1), m.group(1), _capitalised)
        for start, end in found:
            words = text[start:end].split()
            if len(words) >= 2 or names.is_given(words[0]):
                out.append((start, end))
    return [s for s in out if s[0] < s[1]]


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
