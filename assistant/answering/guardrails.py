"""Guardrails: prompt-injection detection and out-of-role requests (personal data: ``pii``).

Injection: retrieved text is data, never instructions. Passages that read like
instructions to the assistant (override, reveal the system prompt, role-play,
chat-template tokens) are detected and the offending sentences replaced before
the text reaches the model; questions that try the same, or that ask the
assistant to act outside its role, get a polite refusal instead of an answer.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

# -- prompt injection -------------------------------------------------------------
_INJECTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|all|any|your|the|these|those)\b[^.\n]{0,30}\b(instructions?|rules?|prompts?|directions?|guidelines?|context|messages?)",
    r"\b(reveal|show|print|repeat|output|display|leak|tell me|what is|what are|give me)\b[^.\n]{0,40}\b(system prompt|system message|initial prompt|hidden prompt|your prompt|your instructions|developer message|the prompt above)",
    r"\byou are (now|no longer)\b",
    r"\b(act|behave|respond|answer) as (if you were |though you were )?(an?|the|my)\b",
    r"\b(pretend|imagine|roleplay|role-play)\b[^.\n]{0,30}\b(you are|to be|you're)\b",
    r"\b(roleplay|role-play|role play)\b[^.\n]{0,10}\b(as|:)",
    r"\b(repeat|print|output|show|copy)\b[^.\n]{0,30}\b(everything|all|the text|the words|verbatim)\b[^.\n]{0,20}\b(above|before this|preceding)\b",
    r"\bfrom now on\b[^.\n]{0,60}\b(you|answer|respond|always|never)\b",
    r"\b(jailbreak|DAN mode|developer mode|god mode|do anything now)\b",
    r"entwicklermodus|modo (de )?desarrollador|mode (de )?développeur|modalità (di )?sviluppatore|"
    r"ontwikkelaarsmodus|modo (de )?desenvolvedor|tryb (dewelopera|programisty)|"
    r"режим (разработчика|розробника)|开发者模式|開発者モード|geliştirici mod|개발자 모드|"
    r"vývojářsk\w+ režim|utvecklarläge|kehittäjätila|وضع المطور",
    r"\b(ab jetzt|von nun an) bist du\b|\b(a partir de ahora|desde ahora),? eres\b|"
    r"\b(à partir de maintenant|désormais),? tu es\b|\b(d'ora in poi|da ora in poi|da adesso),? sei\b|"
    r"\bvanaf nu ben je\b|\ba partir de agora,? (você é|és)\b|\bod teraz jesteś\b|"
    r"отныне ты|теперь ты —|с этого момента ты|відтепер ти|з цього моменту ти|从现在(开始|起)，?你是|"
    r"(今から|これから)(君|あなた|お前)は|\b(artık|bundan sonra) sen\b|지금부터 (너|당신)는|"
    r"\bod nynějška jsi\b|\bfrån och med nu är du\b|\btästä lähtien olet\b|من الآن فصاعد\S* أنت|"
    r"अब से (तुम|आप)|\btừ bây giờ bạn là\b|\bmulai sekarang (kamu|anda) adalah\b",
    r"\bnew (instructions?|rules?|task|persona|system prompt)\s*:",
    r"\bnew instructions? from (the )?(operator|system|admin|developer|assistant|ai)\b",
    # a system or operator message, a fake end of the context, in several languages
    r"\b(system|systeem|sistema|système|operator|developer)\s*(message|nachricht|mensaje|messaggio|"
    r"melding|mensagem|override|prompt|instruction|notice)\b|systemnachricht|システムメッセージ|系统消息|"
    r"системное сообщение|системне повідомлення|sistem mesaj|mensaje del sistema|message (du )?système|"
    r"messaggio di sistema|systeembericht|mensagem do sistema|wiadomość systemow|komunikat systemow|"
    r"systémová zpráva|systemmeddelande|järjestelmäviesti|رسالة (من )?النظام|시스템 메시지|सिस्टम संदेश|"
    r"tin nhắn hệ thống|pesan sistem|\b(end|begin|start) of (the )?(retrieved |provided )?(documents?|context|"
    r"passages?|user question|instructions)\b|---\s*(end|begin)\b",
    r"(<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|assistant\|>|\[INST\]|\[/INST\]|<<SYS>>|<</SYS>>)",
    r"^\s*(###\s*)?(system|assistant|instruction)s?\s*:",
    r"\b(instead|rather)\b[^.\n]{0,20}\b(say|reply|respond|answer|output|write)\b[^.\n]{0,40}\b(that|with|only)\b",
    r"\bwhen (asked|answering)\b[^.\n]{0,60}\b(always|never|you must|say|reply)\b",
    r"\b(send|email|post|forward|upload|exfiltrate)\b[^.\n]{0,50}\b(to|at)\b[^.\n]{0,40}(https?://|www\.|@)",
    r"!\[[^\]]*\]\(https?://[^)]*\?[^)]*=",  # image beacons that smuggle data out in a URL
    # how the answer should cite ("when you cite this page, cite it as X instead")
    r"\bcite (it|this (page|document|source|file|policy))\b[^.\n]{0,40}\binstead\b|"
    r"\bwhen (you )?cite\b[^.\n]{0,80}\b(instead|do not|don't)\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _INJECTION_PATTERNS), re.I | re.M)

_LANGUAGES = "english|german|french|spanish|italian|dutch|portuguese|polish|russian|chinese|japanese|korean|arabic|hindi|turkish|swedish|danish|norwegian|finnish|czech|greek|latin|klingon|pirate"
_OUT_OF_ROLE_PATTERNS = [
    # A request (not a question) to produce something: "Write a poem ...", "Could you compose ..."
    r"^\s*(please\s+)?((can|could|would|will) you\s+(please\s+)?)?(write|compose|generate|create|draft|make)\b[^.\n?]{0,30}\b(poem|song|story|joke|essay|code|script|program|limerick|haiku|rap|tweet|letter)\b",
    rf"\btranslate\b[^.\n?]{{0,60}}\b(into|to|in)\s+({_LANGUAGES})\b",
    r"\byour (system prompt|instructions|prompt|rules|guidelines|configuration)\b",
    r"\bthe (system prompt|hidden prompt|initial prompt|system message)\b",
    r"\b(instructions|rules|guidelines|prompt)\b[^.\n?]{0,20}\byou (were|have been|are|must|have to|follow)\b",
    r"\b(who|what) (made|built|trained|created|programmed) you\b",
    r"\b(hack|exploit|malware|phish|crack|bypass|keylogger)\b[^.\n?]{0,40}\b(password|account|system|server|security|login)\b",
    r"\bkeylogger|ransomware|malware\b",
    # "write a poem / song / story / joke" in other languages
    r"\b(schreib\w*|dichte)\b[^.\n?]{0,40}\b(gedicht|lied|geschichte|witz|märchen)|"
    r"\b(écri[st]\w*|compose\w*)\b[^.\n?]{0,40}\b(poème|chanson|histoire|blague|conte)|"
    r"\b(escrib\w*|compón)\b[^.\n?]{0,40}\b(poema|canción|cuento|chiste|historia)|"
    r"\b(scriv\w*|componi)\b[^.\n?]{0,40}\b(poesia|canzone|storia|barzelletta|racconto)|"
    r"\b(escrev\w*)\b[^.\n?]{0,40}\b(poema|canção|história|piada)|"
    r"\b(schrijf|schrijven)\b[^.\n?]{0,40}\b(gedicht|lied|verhaal|grap)|"
    r"\b(napisz|napisać)\b[^.\n?]{0,40}\b(wiersz|piosenk\w*|opowiad\w*|żart)|"
    r"(напиши|написать|сочини)[^.\n?]{0,40}(стих|песн|рассказ|сказк|шутк|анекдот)|"
    r"(напиши|склади)[^.\n?]{0,40}(вірш|пісн|оповідан|жарт)|"
    r"(写|作)[^。？\n]{0,10}(诗|歌|故事|笑话)|(詩|歌|物語|ジョーク)を(書|作)|"
    r"\b(yaz|yazar mısın)\b[^.\n?]{0,40}\b(şiir|şarkı|hikaye|fıkra)|(şiir|şarkı|hikaye|fıkra)[^.\n?]{0,40}\byaz|"
    r"(اكتب|أكتب)[^.\n؟]{0,40}(قصيدة|أغنية|قصة|نكتة)|(시|노래|이야기|농담)[을를]? (써|작성)|"
    r"(कविता|गाना|कहानी|चुटकुला)[^.\n?]{0,30}(लिख)",
    # "forget / ignore what the documents say"
    r"\b(ignore|disregard|forget|never mind)\b[^.\n]{0,25}\b(the |your )?(documents?|docs|sources|citations?)\b",
    # a code to be put together from quoted pieces ("join 'AB-1' and '2-CD'")
    r"[\"'«„“‚‘「](?:[A-Z0-9]{1,12}-[A-Z0-9-]{0,12}|[A-Z0-9-]{0,12}-[A-Z0-9]{1,12})[\"'»“”’‘」]\s*\S{0,6}\s*[\"'«„“‚‘「]?"
    r"(?:[A-Z0-9]{1,12}-[A-Z0-9-]{0,12}|[A-Z0-9-]{0,12}-[A-Z0-9]{1,12})[\"'»“”’‘」]",
]
_OUT_OF_ROLE = re.compile("|".join(f"(?:{p})" for p in _OUT_OF_ROLE_PATTERNS), re.I)
NEUTRALISED = "[instruction-like text removed]"


# -- what a detector reads: a skeleton of the text ----------------------------------------
# Look-alike letters (Cyrillic, Greek) written in place of Latin ones to slip past a check.
_LOOK_ALIKES = {
    # Cyrillic
    "\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E", "\u041d": "H",
    "\u0406": "I", "\u0408": "J", "\u041a": "K", "\u041c": "M", "\u041e": "O",
    "\u0420": "P", "\u0405": "S", "\u0422": "T", "\u0425": "X", "\u0423": "Y",
    "\u0430": "a", "\u0435": "e", "\u0456": "i", "\u0458": "j", "\u043e": "o",
    "\u0440": "p", "\u0441": "c", "\u0443": "y", "\u0445": "x", "\u0455": "s",
    "\u0501": "d", "\u04bb": "h", "\u04cf": "l", "\u051b": "q", "\u051d": "w",
    # Greek
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0397": "H", "\u0399": "I",
    "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P",
    "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X", "\u0396": "Z", "\u03bf": "o",
    "\u03b1": "a", "\u03b5": "e", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u",
    "\u03bd": "v", "\u03b9": "i", "\u03ba": "k",
}  # fmt: skip
_CONFUSABLES = str.maketrans(_LOOK_ALIKES)
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z]")
# Digits written for letters inside words ("4ss1st4nt"): read as letters, for detection.
_LEET = str.maketrans("0134578", "oieastb")
_MIXED = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*\d)\w+\b")


def skeleton(text: str) -> str:
    """``text`` as a detector should read it: NFKC (full-width letters, ligatures),
    invisible format characters (zero-width spaces and joiners, bidi controls, soft
    hyphens) removed, look-alike letters in Latin words mapped to Latin ones, digits inside
    words read as letters."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _WORD.sub(_latin_look_alikes, text)
    return _MIXED.sub(lambda m: m.group(0).translate(_LEET), text)


_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_MAX_PAYLOADS = 20  # base64 runs decoded per text, at most


def decoded(text: str) -> str:
    """Text hidden in ``text`` as base64 ("decode this and do what it says"), read out:
    each run of base64 that decodes to readable text with spaces, one per line."""
    out = []
    for m in _BASE64.finditer(text):
        token = m.group(0)
        if token.isalpha() and (token.islower() or token.isupper()):
            continue  # a long word or a constant, not base64
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
            plain = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        printable = sum(c.isprintable() or c.isspace() for c in plain)
        if " " in plain and printable >= 0.9 * len(plain):
            out.append(plain)
        if len(out) >= _MAX_PAYLOADS:
            break
    return "\n".join(out)


def _latin_look_alikes(m: re.Match[str]) -> str:
    """A word that mixes Latin letters with Cyrillic or Greek look-alikes, in Latin letters
    (a word wholly in Cyrillic or Greek is left as written)."""
    word = m.group(0)
    if _LATIN.search(word) and any(c in _LOOK_ALIKES for c in word):
        return word.translate(_CONFUSABLES)
    return word


# -- instructions hidden in documents -------------------------------------------------------
# Beyond the English phrase patterns above, a sentence is taken for an instruction when it
# speaks to an AI (an assistant, a bot, a language model) and tells it what to do, or when
# it speaks of answers as a whole ("every response", "when answering") and tells them what
# to say, in any of the languages below. Company documents talk to employees about their
# work; they do not tell an AI how to answer.
_AI = (
    # "AI" only in capitals: "ai" is a common word in Italian ("to the") and French ("have")
    r"assistant|chat ?bot|chat ?gpt|(?-i:\bAI\b|A\.I\.)|\bllms?\b|language model|\bbots?\b|"
    r"summari[sz]ers?|\bai models?\b|system prompt|(?:previous|prior|above|earlier) instructions|"
    r"asistente|assistente|assistent|asystent|(?-i:\bIA\b|\bKI\b)|intelig[eê]ncia artificial|"
    r"inteligencia artificial|intelligenza artificiale|intelligence artificielle|"
    r"künstliche intelligenz|kunstmatige intelligentie|sztuczn\w+ inteligencj\w+|"
    r"modelo de lenguaje|modelo de linguagem|modello linguistico|modèle de langage|"
    r"sprachmodell|taalmodel|model językow\w+|"
    r"アシスタント|ＡＩ|人工知能|助手|人工智能|ассистент|искусственн\w+ интеллект|"
    r"asistan|yapay zek[aâ]|مساعد|الذكاء الاصطناعي|인공지능|어시스턴트|"
    # automated readers in English, and the same words in more languages
    r"\bautomated (?:systems?|assistants?|tools?|agents?|readers?)\b|"
    r"\basistent\w*|umělá inteligence|umělé inteligenc\w*|jazykov\w+ model\w*|automatizovan\w+ syst\w+|"
    r"\bбот\w{0,2}\b|нейросет\w+|языков\w+ модел\w+|автоматизированн\w+ систем\w*|"
    r"асистент\w*|штучн\w+ інтелект\w*|мовн\w+ модел\w+|автоматизован\w+ систем\w*|"
    r"βοηθ[οό]ς?\b|τεχνητ\w+ νοημοσύν\w+|γλωσσικ\w+ μοντέλ\w+|"
    r"artificiell intelligens|kunstig intelligens|språkmodell\w*|sprogmodel\w*|"
    r"avustaja\w*|tekoäly\w*|kielimalli\w*|asszisztens|mesterséges intelligencia|"
    r"inteligen[țt][aă] artificial[aă]|עוזר|בינה מלאכותית|מודל שפה|צ'אטבוט|"
    r"सहायक|असिस्टेंट|एआई|कृत्रिम बुद्धि\w*|चैटबॉट|बॉट|챗봇|언어 모델|"
    r"チャットボット|ボット|言語モデル|机器人|语言模型|trợ lý|trí tuệ nhân tạo|mô hình ngôn ngữ|"
    r"\basisten\b|kecerdasan buatan|model bahasa|dil modeli|روبوت|نموذج لغوي|الأنظمة الآلية|"
    r"msaidizi|akili bandia|ผู้ช่วย|ปัญญาประดิษฐ์|แชทบอท"
)
_ANSWERS = (
    r"\b(?:your|every|each|all|any) (?:answers?|responses?|repl(?:y|ies)|outputs?)\b|"
    r"when (?:answering|responding|replying)|whoever (?:answers|reads this)|"
    r"when you (?:answer|respond|reply)|(?:any|every|all) questions?|"
    r"cada respuesta|todas las respuestas|tus respuestas|tu respuesta|al responder|"
    r"cada resposta|todas as respostas|sua resposta|ao responder|"
    r"ogni risposta|tutte le risposte|la tua risposta|quando rispondi|"
    r"chaque réponse|toutes les réponses|ta réponse|votre réponse|en répondant|"
    r"jede antwort|alle antworten|deine antwort|ihre antwort|beim antworten|"
    r"elke antwoord|alle antwoorden|je antwoord|"
    r"każd\w+ odpowied\w+|twoj\w+ odpowied\w+|"
    r"すべての回答|回答の|所有回答|每个回答|каждый ответ|каждого ответа|her yanıt|"
    r"jeder antwort|každé odpověd\w*|každou odpověď|konci odpověd\w*|"
    r"в конце ответа|каждом ответе|любой ответ|кожн\w+ відповід\w+|після відповіді|"
    r"(?:в|у|наприкінці) кінці відповіді|κάθε απάντηση|τέλος της απάντησης|varje svar|alla svar|"
    r"hvert svar|alle svar|jokai\w+ vastau\w+|vastauksen loppuun|כל תשובה|בסוף התשובה|"
    r"हर (?:उत्तर|जवाब)|प्रत्येक (?:उत्तर|जवाब)|(?:उत्तर|जवाब) के अंत|모든 답변|답변 (?:마지막|끝)|"
    r"回答の最後|各回答|回答末尾|回答的最后|每次回答|mỗi câu trả lời|cuối câu trả lời|"
    r"setiap jawaban|akhir jawaban|her cevap|(?:yanıtın|cevabın) sonuna|cevabı verdikten sonra|"
    r"كل إجابة|نهاية (?:كل )?(?:إجابة|الإجابة)|عند الإجابة|minden válasz|"
    r"fiec[aă]r\w* r[aă]spuns\w*|kila jibu|ทุกคำตอบ"
)
_DIRECTIVE = (
    r"\bignore|\bdisregard|\bforget|\boverride|\bmust\b|\balways\b|\bnever\b|"
    r"\bshould\b|\binclude\b|\bappend|\badd\b|\bmention|\bsay\b|\bwrite\b|\bstart\b|"
    r"\bend\b|\breveal|\bprint\b|\brepeat\b|\btell\b|\brecommend|\binsert|\bredirect|"
    r"\bdirect (?:users|employees)|\bfrom now on|\binstead\b|\bonly\b|required|mandatory|"
    r"ignora|olvida|siempre|nunca|debes|debe|incluye|añade|menciona|di que|escribe|"
    r"sempre|deve|inclua|adicione|mencione|diga|"
    r"dimentica|mai\b|devi|includi|aggiungi|menziona|scrivi|"
    r"ignore[zr]?|oublie|toujours|jamais|doit|dois|inclu(?:s|re|ez)|ajoute|mentionne|dites|écris|"
    r"ignorier|vergiss|immer|niemals|muss|müssen|füge|erwähne|schreib|"
    r"negeer|vergeet|altijd|nooit|moet|voeg|vermeld|"
    r"zignoruj|zapomnij|zawsze|nigdy|musisz|musi|dodaj|wspomnij|napisz|"
    r"無視|必ず|常に|忽略|必须|总是|始终|игнорир|всегда|никогда|должен|yoksay|her zaman|asla|"
    # follow / apply / decode, and "only"
    r"\bdecode|\bapply\b|\bfollow\b|\bobey|\bexecute|\bcomply|\bnote\b|"
    r"decodific|sigue|aplica|segui|applica|décode|appliqu|dekodier|befolg|decodeer|volg|"
    r"siga|aplique|zdekoduj|wykonaj|postępuj|solo\b|únicamente|soltanto|esclusivamente|"
    r"uniquement|seulement|\bnur\b|ausschließlich|alleen|uitsluitend|apenas|somente|tylko|"
    r"wyłącznie|odpowiadaj|informar|indica|eklemeli|ekle|أضف|تجاهل|دائما|추가|무시|"
    # the same orders in more languages (add, include, write, say, tell, always, never,
    # must, ignore)
    r"uveď|uvád[eě]j|přidej|dodej|napiš|řekni|vždy|nikdy|musí\w*|ignoruj|zahrň|vlož|"
    r"pridaj|napíš|povedz|"
    r"добав\w*|укаж\w*|напиш\w*|скажи|сообщ\w*|включи|всегда|никогда|должн\w*|обязательно|"
    r"игнорир\w*|не объясняй|не упоминай|"
    r"дода\w*|вкаж\w*|повідом\w*|завжди|ніколи|повинн\w*|обов['’]язково|ігнору\w*|не згадуй|"
    r"πρόσθεσ\w*|γράψ\w*|\bπες\b|ανέφερ\w*|πάντα|ποτέ|πρέπει|αγνόησ\w*|συμπεριλάβ\w*|"
    r"lägg till|inkludera|\bskriv\b|\bsäg\b|nämn|\balltid\b|\baldrig\b|\bmåste\b|ignorera|"
    r"tilføj|legg til|inkluder|\bnævn|\bnevn|\baltid\b|\baldri\b|\bskal\b|ignorer|"
    r"\blisää|sisällytä|kirjoita|\bsano\b|mainitse|\baina\b|ei koskaan|täytyy|\bohita|"
    r"jätä huomiotta|add hozzá|\bírd\b|\bmondd\b|\bmindig\b|\bsoha\b|\bkell\b|"
    r"adaugă|\bscrie\b|\bspune\b|menționează|întotdeauna|niciodată|trebuie|ignoră|"
    r"הוסף|הוסיפו|כתוב|ציין|אמור|תמיד|לעולם|חייב|התעלם|"
    r"जोड़\w*|लिख\w*|बताए\w*|बताओ|कहें|हमेशा|कभी नहीं|अवश्य|ज़रूर|जरूर|अनदेखा|शामिल कर\w*|"
    r"포함|작성|말하|항상|절대|반드시|덧붙|"
    r"含め|書い|伝え|付け|添加|加上|包含|写上|告诉|务必|附上|"
    r"\bthêm\b|bao gồm|\bghi\b|\bviết\b|\bnói\b|\bluôn\b|không bao giờ|\bphải\b|bỏ qua|"
    r"tambahkan|sertakan|\btulis|katakan|sebutkan|\bselalu\b|jangan pernah|\bharus\b|abaikan|"
    r"\byaz\b|söyle|belirt|mutlaka|zorunda|görmezden gel|dahil et|"
    r"اكتب|\bقل\b|أخبر|اذكر|دائماً|أبدا|يجب|بإلحاق|ألحق|أدرج|"
    r"ongeza|andika|\bsema\b|\btaja\b|\bdaima\b|\bkamwe\b|\blazima\b|puuza|"
    r"เพิ่ม|เขียน|บอก|เสมอ|ห้าม|ต้อง|เพิกเฉย"
)
# What an instruction does to answers: add to them, frame them, or replace them.
_CONTENT_DIRECTIVE = (
    r"\binclud|\bappend|\badd\b|\bmention|\bsay\b|\bstate\b|\b(?:end|start|begin|close|open)"
    r"(?:s|ing)? (?:with|by)\b|\bcontain|\brecommend|\brefer (?:to|users)|\blink to|\bredirect|"
    r"\bignore|\bdisregard|\breveal|\brepeat|\breply (?:only|with)|\brespond (?:only|with)|"
    r"\bsign(?:ed)? (?:off|with)|\b(?:reply|respond|answer) that|\btell (?:the user|them|users)|"
    r"incluy|incluir|añad|mencion|termin|empie[cz]|comien[cz]|\bdi\b|decir|ignora|recomiend|"
    r"inclua|adicion|mencione|comece|diga|"
    r"includ|aggiung|menzion|inizi|\bdi'|dire\b|consigli|"
    r"inclu|ajout|mentionn|commenc|dites|recommand|"
    r"füg|hinzu|erwähn|\bende\b|beginn|sag|enthalt|ignorier|empfiehl|"
    r"voeg|vermeld|eindig|\bzeg|negeer|"
    r"dodaj|wspomnij|zakończ|zacznij|powiedz|zignoruj|"
    r"含め|追加|末尾|無視|必ず|包含|添加|结尾|忽略|必须|добав|укаж|заканчива|игнорир|ekle|bitir|yoksay|"
    r"uveď|přidej|napiš|zmiň|zakonč|začni|напиш|сообщ|включ|заверш|начни|"
    r"дода|вкаж|згада|почни|πρόσθεσ|ανέφερ|γράψ|τελείωσ|ξεκίνα|lägg till|inkludera|nämn|"
    r"avsluta|tilføj|legg til|lisää|mainitse|kirjoita|הוסף|ציין|כתוב|סיים|"
    r"जोड़|लिख|शामिल|समाप्त|포함|덧붙|끝에|마지막에|付け|加上|写上|附上|注明|"
    r"\bthêm\b|\bghi\b|kết thúc|tambahkan|sertakan|\btulis|akhiri|\byaz\b|söyle|belirt|"
    r"dahil|أضف|اكتب|اذكر|ألحق|بإلحاق|أدرج|أخبر|adaugă|menționează|ongeza|andika|taja"
)
_ROLE_LINE = re.compile(
    r"^\s*(?:[#>]+\s*|[-*]\s+|\*\*)*(?:user|human|assistant|system|developer|ai|bot|usuario|asistente|"
    r"utente|utilisateur|benutzer|gebruiker|użytkownik|ユーザー|用户|助手|系统)\s*[:：]",
    re.I | re.M,
)
# "Ignore / forget the rules / instructions", in any of these languages, in either order.
_IGNORE = (
    r"ignor|disregard|forget|olvid|oubli|vergiss|negeer|vergeet|zignoruj|zapomnij|esqueç|"
    r"忽略|忘记|無視|忘れ|игнор|забудь|не обращай|yok say|unut|تجاهل|무시"
)
_RULES = (
    r"instruction|rules?\b|guidelines|prompt|instrucci|reglas|istruzion|regole|consigne|"
    r"règles|anweisung|regeln|instructie|regels|instrukcj|zasad|instruç|regras|规则|指令|"
    r"指示|ルール|инструкци|правил|talimat|kural|تعليمات|قواعد|지시|규칙"
)
_IGNORE_RULES = re.compile(
    rf"(?:{_IGNORE})[^.!?。\n]{{0,80}}(?:{_RULES})|(?:{_RULES})[^.!?。\n]{{0,40}}(?:{_IGNORE})",
    re.I,
)
_SPEAKS_TO_AI = re.compile(_AI, re.I)
_OF_ANSWERS = re.compile(_ANSWERS, re.I)
_DIRECTS = re.compile(_DIRECTIVE, re.I)
_CHANGES_ANSWERS = re.compile(_CONTENT_DIRECTIVE, re.I)
_EXFILTRATION = re.compile(r"!\[[^\]\n]{0,200}\]\(\s*https?://", re.I)  # any remote image


def _instruction_like(text: str) -> list[str]:
    """What makes ``text`` (one sentence, or a few) read as an instruction to the model,
    or the base64 text it carries."""
    found = _read_as_instruction(text)
    if not found and (hidden := decoded(text)):
        found = [f"base64: {f}" for f in _read_as_instruction(hidden)]
    return found


def _read_as_instruction(text: str) -> list[str]:
    seen = skeleton(text)
    found = [m.group(0).strip() for m in _INJECTION.finditer(seen)]
    found += [m.group(0).strip() for m in _ROLE_LINE.finditer(seen)]
    found += [m.group(0) for m in _EXFILTRATION.finditer(seen)]
    found += [m.group(0) for m in _IGNORE_RULES.finditer(seen)]
    for who, what in ((_SPEAKS_TO_AI, _DIRECTS), (_OF_ANSWERS, _CHANGES_ANSWERS)):
        if not found and (w := who.search(seen)) and (d := what.search(seen)):
            found.append(f"{w.group(0)} … {d.group(0)}")
    return found


@dataclass(frozen=True)
class InjectionCheck:
    suspicious: bool
    matches: tuple[str, ...] = ()


def detect_injection(text: str) -> InjectionCheck:
    visible, hidden = _hidden(text)
    found = [f for block in _blocks(visible) for f in _instruction_like(block)]
    found += [f for taken in hidden for f in _instruction_like(taken)]
    if not found and neutralise(text)[1]:
        found.append("an instruction split over sentences")
    return InjectionCheck(bool(found), tuple(found[:5]))


# Never shown to a person reading the document, so never shown to the model either.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_FRONT_MATTER = re.compile(r"\A\s*---\n.*?\n---[ \t]*\n", re.S)
# A block: a paragraph, a list item, a quote, a table row or a heading (hard-wrapped lines
# of one paragraph are one block, so an instruction wrapped over lines is read whole).
_BLOCK = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:[-*+>|#]|\d{1,3}[.)])\s)")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
_ANNOUNCES_MORE = re.compile(
    r"(?:following|below|next|one more(?: thing)?|another|as follows|:)\W*$", re.I
)
_SHORT_BLOCK = 240  # characters: list items and table rows, read together when short


def _hidden(text: str) -> tuple[str, list[str]]:
    """``text`` without HTML comments and front matter, and what was taken out."""
    taken: list[str] = []

    def take(m: re.Match[str]) -> str:
        taken.append(m.group(0))
        return "\n\n"

    return _COMMENT.sub(take, _FRONT_MATTER.sub(take, text)), taken


_QUOTE_MARK = re.compile(r"(?m)^[ \t]*>[ \t]?")


def _blocks(text: str) -> list[str]:
    """Paragraphs, list items, table rows and headings (a quote is read as its text)."""
    return [b for b in _BLOCK.split(_QUOTE_MARK.sub("", text)) if b.strip()]


def _sentences(block: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(" ".join(block.split())) if s]


def neutralise(text: str) -> tuple[str, bool]:
    """Replace instruction-like sentences of a passage; (text, whether anything changed).

    HTML comments and front matter are dropped (a reader never sees them). Each block
    (paragraph, list item, quote, table row) is unwrapped and read sentence by sentence and
    two or three sentences at a time (short neighbouring blocks, such as list items,
    together), always through ``skeleton`` (hidden and look-alike characters): an
    instruction wrapped over lines or split over sentences is removed whole, with the rest
    of its block and the next sentence when it announces more ("one more thing:"). The
    sentences before it and the other blocks stay."""
    visible, hidden = _hidden(text)
    units = [
        (b, sentence) for b, block in enumerate(_blocks(visible)) for sentence in _sentences(block)
    ]
    said = [u[1] for u in units]
    flagged = [bool(_instruction_like(sentence)) for sentence in said]
    for w in (2, 3):
        for i in range(len(units) - w + 1):
            group = units[i : i + w]
            one_block = len({b for b, _ in group}) == 1
            if any(flagged[i : i + w]) or not (
                one_block or all(len(t) <= _SHORT_BLOCK for _, t in group)
            ):
                continue
            if _instruction_like(" ".join(said[i : i + w])):
                flagged[i : i + w] = [True] * w
    for i in range(len(units) - 1):
        same_block = units[i][0] == units[i + 1][0]
        if flagged[i] and (same_block or _ANNOUNCES_MORE.search(said[i])):
            flagged[i + 1] = True  # what follows an instruction in its block goes with it
    changed = any(flagged) or any(_instruction_like(h) for h in hidden)
    if not changed:
        return (text, False) if not hidden else (visible, False)
    blocks: dict[int, list[str]] = {}
    for (b, sentence), bad in zip(units, flagged, strict=True):
        kept = blocks.setdefault(b, [])
        if not bad:
            kept.append(sentence)
        elif not kept or kept[-1] != NEUTRALISED:  # collapse runs of removed sentences
            kept.append(NEUTRALISED)
    return "\n\n".join(" ".join(kept) for kept in blocks.values()), True


def out_of_role(question: str) -> bool:
    """A request the assistant should decline: not a question about the documents."""
    if _declines(skeleton(question)):
        return True
    hidden = decoded(question)  # only when the question as written is fine
    return bool(hidden) and _declines(skeleton(hidden))


def _declines(seen: str) -> bool:
    return bool(
        _OUT_OF_ROLE.search(seen)
        or _INJECTION.search(seen)
        or _ROLE_LINE.search(seen)
        or _EXFILTRATION.search(seen)
        or _IGNORE_RULES.search(seen)
    )
