"""Unicode disguises folded back to the letters a reader sees, before tokenization.

A commenter who wants an insult past a filter writes it in fullwidth or mathematical letters
("ｉｄｉｏｔ", "𝐢𝐝𝐢𝐨𝐭"), in Cyrillic or Greek look-alikes ("іdіоt"), with zero-width or other
invisible characters between the letters, with combining marks stacked on them ("i̴d̷i̸o̵t̶"),
or reversed behind a right-to-left override so that it displays the right way round. Each of
these looks like the plain word on the page and like an unknown word to a model.
:func:`fold_unicode` undoes them; :func:`moderation.features.text.normalize` calls it for
every text that is not plain ASCII (plain ASCII has none of these), so training and scoring
see the same letters. Text without any of these characters (curly quotes, accents, dashes,
Chinese) is only composed (NFC), so ordinary text tokenizes as it always did.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

from moderation.features.wordlists import KNOWN_WORDS


RIGHT_TO_LEFT_OVERRIDE, POP_DIRECTIONAL_FORMATTING = "\u202e", "\u202c"

# Characters that display as nothing: every format character (Unicode category Cf: zero-width
# space and joiners, soft hyphen, bidirectional controls, word joiner, byte-order mark, tag
# characters) and the Hangul fillers (letters that render blank). Then the generic combining
# diacritical marks: once NFC has composed every accented letter that has a precomposed form
# ("é"), the marks left over are stacked decoration ("zalgo"). Script-specific marks
# (Devanagari vowel signs, Arabic and Hebrew points) are in other blocks and are kept.
INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
    (0x115F, 0x1160), (0x3164, 0x3164), (0xFFA0, 0xFFA0),
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
)  # fmt: skip

# Blocks whose characters are other forms of letters, digits or spaces: fullwidth forms,
# mathematical alphanumerics, circled and squared letters, letter-like symbols ("ℑ"),
# superscripts and subscripts, ligatures ("ﬁ"), wide and narrow spaces. Only the characters
# NFKC turns into one character (or a ligature's letters) are folded: "™", "℃" and "½" stay.
COMPATIBILITY_BLOCKS = (
    (0x00A0, 0x00A0), (0x02B0, 0x02FF), (0x1D2C, 0x1DBF), (0x2000, 0x200A), (0x202F, 0x202F),
    (0x205F, 0x205F), (0x2070, 0x209F), (0x2100, 0x214F), (0x2460, 0x24FF), (0x3000, 0x3000),
    (0xFB00, 0xFB06), (0xFF01, 0xFF5E), (0x1D400, 0x1D7FF), (0x1F100, 0x1F1FF),
)  # fmt: skip
LIGATURES = range(0xFB00, 0xFB07)


def compatibility_forms() -> str:
    """The characters of :data:`COMPATIBILITY_BLOCKS` that fold to one character under NFKC,
    and the Latin ligatures."""
    forms = []
    for first, last in COMPATIBILITY_BLOCKS:
        for code in range(first, last + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if folded != chr(code) and (len(folded) == 1 or code in LIGATURES):
                forms.append(chr(code))
    return "".join(forms)


# Letters of other scripts that Unicode's confusables data (confusables.txt, UTS #39) lists as
# looking like one ASCII letter, and the Latin small capitals ("ᴅ"), by that letter; letters
# NFKC already folds (fullwidth, mathematical) are left out. tests/test_text_normalization.py
# derives the table from that data and checks it is this one.
LOOKALIKES_BY_LETTER = {
    "A": "\u0391\u0410\u13aa\u15c5\ua4ee\U000102a0\U00016f40",
    "a": "\u0251\u03b1\u0430\u1d00",
    "B": "\u0392\u0412\u13f4\u15f7\ua4d0\ua7b4\U00010282\U000102a1\U00010301",
    "b": "\u0184\u0299\u042c\u13cf\u1472\u15af",
    "C": "\u0421\u13df\u2ca4\ua4da\U000102a2\U00010302\U00010415\U0001051c",
    "c": "\u0441\u1d04\u2ca5\uabaf\U0001043d",
    "D": "\u13a0\u15de\u15ea\ua4d3",
    "d": "\u0501\u13e7\u146f\u1d05\ua4d2",
    "E": "\u0395\u0415\u13ac\u2d39\ua4f0\U00010286\U000118a6\U000118ae",
    "e": "\u0435\u04bd\u1d07\uab32",
    "F": "\u03dc\u15b4\ua4dd\ua798\U00010287\U000102a5\U00010525\U000118a2\U000118c2",
    "f": "\u0584\u1e9d\ua730\ua799\uab35",
    "G": "\u050c\u13c0\u13f3\ua4d6",
    "g": "\u018d\u0261\u0262\u0581\u1d83",
    "H": "\u0397\u041d\u13bb\u157c\u2c8e\ua4e7\U000102cf",
    "h": "\u029c\u04bb\u0570\u13c2",
    "I": "\u0196\u0399\u0406\u04c0\u2c92",
    "i": "\u0131\u0269\u026a\u03b9\u0456\u04cf\u13a5\ua647\uab75\U000118c3",
    "J": "\u037f\u0408\u13ab\u148d\ua4d9\ua7b2",
    "j": "\u03f3\u0458\u1d0a",
    "K": "\u039a\u041a\u13e6\u16d5\u2c94\ua4d7\U00010518",
    "k": "\u1d0b",
    "L": "\u13de\u14aa\u2cd0\ua4e1\U0001041b\U00010526\U000118a3\U000118b2\U00016f16",
    "l": "\u01c0\u029f\u16c1\u2d4f\ua4f2\U0001028a\U00010309\U00016f28",
    "M": "\u039c\u03fa\u041c\u13b7\u15f0\u16d6\u2c98\ua4df\U000102b0\U00010311",
    "m": "\u1d0d",
    "N": "\u039d\u2c9a\ua4e0\U00010513",
    "n": "\u0274\u0578\u057c",
    "O": "\u039f\u041e\u0555\u0b20\u12d0\u2c9e\u2d54\ua4f3\U00010292\U000102ab\U00010404\U000104c2\U00010516\U000118b5",
    "o": "\u03bf\u03c3\u043e\u0585\u0d20\u101d\u10ff\u1d0f\u1d11\u2c9f\uab3d\U0001042c\U000104ea\U000118c8\U000118d7",
    "P": "\u03a1\u0420\u13e2\u146d\u2ca2\ua4d1\U00010295",
    "p": "\u03c1\u0440\u1d18\u2ca3",
    "Q": "\u2d55",
    "q": "\u051b\u0563\u0566\ua7af",
    "R": "\u01a6\u13a1\u13d2\u1587\ua4e3\U000104b4\U00016f35",
    "r": "\u0280\u0433\u1d26\u2c85\uab47\uab48\uab81",
    "S": "\u0405\u054f\u13d5\u13da\ua4e2\U00010296\U00010420\U00016f3a",
    "s": "\u01bd\u0455\ua731\uabaa\U00010448\U000118c1",
    "T": "\u03a4\u0422\u13a2\u2ca6\ua4d4\U00010297\U000102b1\U00010315\U000118bc\U00016f0a",
    "t": "\u1d1b",
    "U": "\u054d\u1200\u144c\ua4f4\U000104ce\U000118b8\U00016f42",
    "u": "\u028b\u03c5\u057d\u1d1c\ua79f\uab4e\uab52\U000104f6\U000118d8",
    "V": "\u0474\u13d9\u142f\u2d38\ua4e6\ua6df\U0001051d\U000118a0\U00016f08",
    "v": "\u03bd\u0475\u1d20\uaba9\U00011706\U000118c0",
    "W": "\u051c\u13b3\u13d4\ua4ea",
    "w": "\u026f\u0461\u051d\u0561\u1d21\uab83\U0001170a\U0001170e\U0001170f",
    "X": "\u03a7\u0425\u16b7\u2cac\u2d5d\ua4eb\ua7b3\U00010290\U000102b4\U00010317\U00010527",
    "x": "\u0445\u1541\u157d",
    "Y": "\u03a5\u0423\u04ae\u13a9\u13bd\u2ca8\ua4ec\U000102b2\U000118a4\U00016f43",
    "y": "\u0263\u028f\u03b3\u0443\u04af\u10e7\u1d8c\u1eff\uab5a\U000118dc",
    "Z": "\u0396\u13c3\ua4dc\U000118a9",
    "z": "\u1d22\uab93\U000118c4",
}
LOOKALIKES = str.maketrans({c: letter for letter, chars in LOOKALIKES_BY_LETTER.items() for c in chars})


def character_class(characters: str, ranges=()) -> str:
    """A regular expression character class of ``characters`` and (first, last) code ``ranges``."""
    return "[" + characters + "".join(f"{chr(first)}-{chr(last)}" for first, last in ranges) + "]"


class Patterns(NamedTuple):
    """The regular expressions :func:`fold_unicode` uses (see :func:`patterns`)."""

    disguise_character: re.Pattern  # any character of the sets below, or beyond the BMP
    compatibility_form: re.Pattern
    invisible: re.Pattern
    lookalike_word: re.Pattern


@cache
def patterns() -> Patterns:
    """Compiled on first use (a few milliseconds), so that scoring plain ASCII text never pays
    for them. A class listing characters beyond the Basic Multilingual Plane is slow to test
    (each one is compared in turn), so the first check lists only the BMP's and takes any
    character beyond it as a possible disguise."""
    lookalikes = "".join(LOOKALIKES_BY_LETTER.values())
    forms = compatibility_forms()
    bmp = "".join(c for c in lookalikes + forms if c <= "\uffff")
    bmp_invisible = [r for r in INVISIBLE_RANGES if r[1] <= 0xFFFF]
    return Patterns(
        disguise_character=re.compile(character_class(bmp, [*bmp_invisible, (0x10000, 0x10FFFF)])),
        compatibility_form=re.compile(character_class(forms) + "+"),
        invisible=re.compile(character_class("", INVISIBLE_RANGES) + "+"),
        # From a word's start only, so that a long word without look-alikes is read once, not
        # once from each of its letters (quadratic: a 20 KB word took seconds in one call).
        lookalike_word=re.compile(r"(?<!\w)\w*?" + character_class(lookalikes) + r"\w*"),
    )


OVERRIDDEN = re.compile(f"{RIGHT_TO_LEFT_OVERRIDE}([^{POP_DIRECTIONAL_FORMATTING}\n\r\u2029]*){POP_DIRECTIONAL_FORMATTING}?")
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def fold_unicode(text: str) -> str:
    """``text`` as a reader sees it, in the letters a model knows: composed (NFC); other forms
    of letters, digits and spaces made plain (NFKC on :data:`COMPATIBILITY_BLOCKS`);
    invisible characters and stray combining marks removed; look-alike letters of other
    scripts made Latin in words that mix them with Latin letters or are made of them alone;
    and text behind a right-to-left override in the order it displays in (:func:`_displayed`).

    Words wholly in another script whose every letter has a Latin look-alike ("сор") are
    folded too: they cannot be told apart from a disguise, and comments in other languages
    are not scored anyway.
    """
    text = unicodedata.normalize("NFC", text)
    found = patterns()
    if not found.disguise_character.search(text):
        return text
    text = found.invisible.sub(_kept_override, found.compatibility_form.sub(_nfkc, text))
    text = found.lookalike_word.sub(_latin_word, text)
    if RIGHT_TO_LEFT_OVERRIDE in text:
        text = OVERRIDDEN.sub(_displayed, text)
    return text.replace(POP_DIRECTIONAL_FORMATTING, "")


def _nfkc(match: re.Match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def _kept_override(match: re.Match) -> str:
    """Invisible characters removed, but for the right-to-left override and its end, which
    :func:`_displayed` reads."""
    run = match.group()
    return "".join(c for c in run if c in (RIGHT_TO_LEFT_OVERRIDE, POP_DIRECTIONAL_FORMATTING))


def _latin_word(match: re.Match) -> str:
    return latin_word(match.group())


@lru_cache(maxsize=1 << 12)
def latin_word(word: str) -> str:
    """``word`` with its look-alike letters made Latin, if it mixes them with ASCII letters
    ("іdіоt") or has no other letters ("уоu"); otherwise (a Russian word) unchanged."""
    folded = word.translate(LOOKALIKES)
    if folded.isascii() or any("a" <= c <= "z" or "A" <= c <= "Z" for c in word):
        return folded
    return word


def _displayed(match: re.Match) -> str:
    """The text after a right-to-left override (up to its end or the end of the line), in the
    order that reads as more known English words: reversed, as the override displays Latin
    letters ("\u202etoidi na era uoY" shows "You are an idiot"), or as stored, which is how a
    page that ignores the override, or right-to-left script, shows it."""
    stored = match.group(1)
    shown = stored[::-1]
    return shown if known_words(shown) > known_words(stored) else stored


def known_words(text: str) -> int:
    """How many words of ``text`` are in :data:`KNOWN_WORDS`."""
    return sum(word in KNOWN_WORDS for word in WORD.findall(text.lower()))
