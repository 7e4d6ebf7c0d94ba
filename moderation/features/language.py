"""The language a comment is written in, so that a model trained on English gives no verdict
on comments it cannot read.

Calling a real English comment foreign is the costly error: the comment would go unscored. So
the answer leans to English: Unicode disguises are undone first (an insult in Cyrillic
look-alike letters is English), and names, code, links and mentions set aside (a comment
naming "Krzysztof Wiśniewski" is not Polish); a comment with two English function words is
English without asking the detector, so an English insult cannot hide among foreign
sentences; the detector must give the rest almost no chance of being English
(:data:`NOT_ENGLISH_BELOW`); and too little text to tell gives None, which a caller scores as
usual.

The detector is py3langid (langid.py's model of 97 languages, 142 from version 0.4; BSD; pure
Python and NumPy, so it installs wherever NumPy does; its model ships in the wheel). It is
imported on the first text that needs it. bench/language_detection.py compares it with
lingua, CLD2, CLD3, langdetect and fastText, and measures this function.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

import numpy as np

from moderation.errors import warn
from moderation.features.folding import fold_unicode

SCORED_LANGUAGES = ("en",)
"""Languages the models are trained on: comments in any other get no scores."""

MIN_LETTERS = 12
"""Letters of the Latin alphabet needed to tell a language: "Bravo!", "lol", "Amen." and "I
agree." are too short."""

MIN_OTHER_LETTERS = 4
"""Letters of another script needed: such text is not English whatever the detector says
(a Chinese, Japanese or Korean character counts as three letters)."""

ENGLISH_KEPT = 0.1
"""A text in Latin letters the detector gives at least this probability of English stays
English: a detector unsure between English and another language has seen English."""

NOT_ENGLISH_BELOW = 0.01
"""A text in Latin letters is called another language only when the detector gives English
less than this; in between there is too little evidence to tell (None). The other language
named is the detector's likeliest: close relatives share the probability ("Eres un idiota"
is 47% Spanish, 17% Aragonese), so no one of them has to reach a bar."""

ENGLISH = ("en", "pcm")
"""English, and Nigerian Pidgin, the English-based creole the detector often puts second to
it on English slang."""


# English function words (and a few words English comments are full of) that are not also
# common words of another language written in Latin letters: "is", "was", "of", "to", "my",
# "die", "also" are left out (Dutch, German, Polish...).
ENGLISH_WORDS = frozenset(
    """
    the and are were you your you're you've that that's this these those with what what's have has
    had haven't hasn't would should could wouldn't shouldn't couldn't they they're their there
    there's been about from for but not we our ours she he's she's his him them who why how when
    where which than then it it's its isn't aren't wasn't weren't don't doesn't didn't can't
    won't i'm i've i'd i'll if any only very too out up some because people think like know
    really just get got going want thanks thank agree article great good
    """.split()
)
ENGLISH_WORDS_NEEDED = 2
"""English words that make a comment English without the detector; one is enough in a comment
of at most :data:`SHORT_COMMENT_WORDS` words ("Love this")."""
SHORT_COMMENT_WORDS = 3

# What is set aside before the language is judged: links, addresses, mentions, hashtags, code,
# HTML tags; and laughter and other repeated syllables ("hahahaha", "lololol"), no language's.
NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|(?<!\w)[@#]\w+|`[^`]*`|<[^<>]{0,200}>")
REPEATED = re.compile(r"(\w{1,3}?)\1{2,}", re.IGNORECASE)
CODE_LIKE = re.compile(r"[=(){}\[\];<>_/\\|$*&^%~+\d]")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?:…]['\")\]]*$")
KANA = re.compile("[\u3040-\u30ff]")
WIDE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
SCRIPT_SAMPLE = 2000  # letters looked at to find a text's script
READ_CHARS = 10_000  # plenty to tell a language; bounds the work of a huge text
RENAMED = {"iw": "he", "in": "id", "jw": "jv"}  # codes older lists used


def looks_like_address(token: str) -> bool:
    """Whether a word (no white space) is shaped like an e-mail address: an "@" after its first
    character and a "." after that, with a character on each side (what ``\\S+@\\S+\\.\\S+``
    matches, found with two string searches: that pattern backtracks for minutes on a long run
    of "@")."""
    at = token.find("@", 1)
    return at > 0 and token.find(".", at + 2, len(token) - 1) >= 0


def prose_words(text: str) -> list[str]:
    """The words of ``text`` that can tell its language: not links, mentions, hashtags, code,
    single letters or laughter, and not names: capitalized words inside a sentence ("Krzysztof Wiśniewski",
    "Havana"), with the short words between two of them ("Plaza de la Revolución"), unless
    most words are capitalized (a Title Case Headline)."""
    words: list[tuple[str, bool]] = []  # (word, whether it is capitalized inside a sentence)
    sentence_start = True
    for token in NOT_PROSE.sub(" ", text).split():
        if not CODE_LIKE.search(token) and not looks_like_address(token):
            for position, word in enumerate(WORD.findall(token)):
                # Spaced-out letters ("A R E") and laughter tell nothing; a fragment of a word
                # in a script with vowel signs (Devanagari), which split words here, does.
                if (len(word) > 1 or not word.isascii()) and not REPEATED.fullmatch(word):
                    capitalized = word[:1].isupper() and not word.isupper()
                    words.append((word, capitalized and not (sentence_start and position == 0)))
        sentence_start = bool(SENTENCE_END.search(token))
    names = [name for _, name in words]
    if 2 * sum(names) > len(words):
        return [word for word, _ in words]
    # Short lowercase words between two names belong to them: "de la", "van", "bin".
    k = 0
    while k < len(words):
        end = k
        while end < len(words) and not names[end] and len(words[end][0]) <= 3 and words[end][0].islower():
            end += 1
        if end > k and k > 0 and end < len(words) and names[k - 1] and names[end]:
            names[k:end] = [True] * (end - k)
        k = max(end, k + 1)
    return [word for (word, _), name in zip(words, names) if not name]


def script_of(words: list[str]) -> tuple[str, int]:
    """The script most letters of ``words`` are in ("LATIN", "CYRILLIC", "CJK"...), and the
    letters counted, each character of a wide script as three."""
    if all(word.isascii() for word in words):  # most texts: no need to look each letter up
        letters = sum(map(len, words))
        return ("LATIN", letters) if letters else ("", 0)
    counts: dict[str, int] = {}
    seen = 0
    for word in words:
        for char in word:
            script = unicodedata.name(char, "").split(" ", 1)[0]
            counts[script] = counts.get(script, 0) + (3 if script in WIDE_SCRIPTS else 1)
            seen += 1
        if seen >= SCRIPT_SAMPLE:
            break
    if not counts:
        return "", 0
    return max(counts, key=counts.get), sum(counts.values())


ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def plainly_english(text: str) -> bool:
    """Whether a text has :data:`ENGLISH_WORDS_NEEDED` English function words as typed: what most
    comments are found to be at once, without undoing disguises, looking for names or asking
    the detector (those are for the rest)."""
    found = 0
    for match in ASCII_WORD.finditer(text.lower().replace("’", "'")):
        if match.group() in ENGLISH_WORDS:
            found += 1
            if found >= ENGLISH_WORDS_NEEDED:
                return True
    return False


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in (the ISO 639-3 code for a
    language without one), or None when there is too little text to tell. Leans to English
    (see the module docstring): "en" for any comment with enough English words, and another
    code only when the detector is sure. Deterministic."""
    text = text[:READ_CHARS]
    if plainly_english(text):
        return "en"
    words = prose_words(fold_unicode(text) if not text.isascii() else text)
    script, letters = script_of(words)
    if letters < (MIN_LETTERS if script == "LATIN" else MIN_OTHER_LETTERS):
        return None
    if script == "LATIN":
        english = sum(word.lower().replace("’", "'") in ENGLISH_WORDS for word in words)
        if english >= ENGLISH_WORDS_NEEDED or (english and len(words) <= SHORT_COMMENT_WORDS):
            return "en"
    return _detected(" ".join(words), script)


def _detected(prose: str, script: str) -> str | None:
    """The detector's answer on ``prose`` (a text's prose words), leaning to English. Without a
    detector (its model could not be loaded), text in Latin letters is English as far as we
    can tell, and other text :data:`UNDETERMINED`."""
    if _py3langid() is None:
        return None if script == "LATIN" else UNDETERMINED
    ranked = ranked_languages(prose)
    english = sum(p for code, p in ranked if code in ENGLISH)
    others = [code for code, _ in ranked if code not in ENGLISH]
    if script != "LATIN":  # not English whatever the detector thinks
        code = others[0]
    elif english >= ENGLISH_KEPT:
        return "en"
    elif english >= NOT_ENGLISH_BELOW:
        return None
    else:
        code = others[0]
    if code in ("zh", "ja") and script in ("CJK", "HIRAGANA", "KATAKANA"):
        code = "ja" if KANA.search(prose) else "zh"  # Japanese text has kana; Chinese none
    return code


def ranked_languages(text: str) -> list[tuple[str, float]]:
    """Every language the detector knows, with its probability for ``text``, likeliest first.

    py3langid's scores are log-likelihoods summed over the text's byte n-grams; divided by
    the square root of the text's length in bytes before the softmax, as py3langid 0.4 does
    with ``norm_probs``, they are calibrated across lengths (a plain softmax calls a
    three-word comment certain). Done here, older versions give the same kind of answer."""
    scores = _py3langid().rank(text)
    values = np.array([score for _, score in scores], dtype=float)
    temperature = math.sqrt(len(text.encode("utf-8", "replace")) or 1)
    weights = np.exp((values - values[0]) / temperature)
    probabilities = (weights / weights.sum()).tolist()
    return [(RENAMED.get(code, code), probability) for (code, _), probability in zip(scores, probabilities)]


UNDETERMINED = "und"
"""ISO 639-2's code for a language that cannot be told: not English, but not known either."""


@cache
def _py3langid():
    """The detector, imported on first use (its model takes about a second to load):
    commands that never ask pay nothing. None, said once, when its model cannot be loaded:
    py3langid unpacks it into a temporary file, which a full disk or a file size limit stops."""
    import py3langid

    try:
        py3langid.rank("")
    except OSError as error:
        warn(f"warning: language detection is unavailable ({error.strerror or error}): comments in Latin letters are scored as English")
        return None
    return py3langid


def unscored_language(text: str) -> str | None:
    """The language of ``text`` if it is one the models are not trained on, else None
    (English, or too little text to tell)."""
    language = detect_language(text)
    return language if language is not None and language not in SCORED_LANGUAGES else None


def language_note(text: str) -> str | None:
    """The note a comment in a language the models cannot read gets instead of scores
    ("language zh: not scored"), or None when the comment may be scored."""
    language = unscored_language(text)
    return f"language {language}: not scored" if language else None
