"""Ways commenters disguise an insult to slip it past a filter (issue 17), as functions of the
plain text and of the word to disguise; tests/test_text_normalization.py and
bench/normalization.py apply them to the same insults."""

from __future__ import annotations

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
CYRILLIC = str.maketrans("aceopxyijsAEOPCTHKMBSI", "асеорхуіјѕАЕОРСТНКМВЅІ")
GREEK = str.maketrans("aiovuAEIOTKMNZ", "αιονυΑΕΙΟΤΚΜΝΖ")
LEET = str.maketrans("aeiost", "4310$7")
SMALL_CAPITALS = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡxʏᴢ")


def _math_bold(text: str) -> str:
    return "".join(
        chr(0x1D41A + ord(c) - ord("a")) if "a" <= c <= "z" else chr(0x1D400 + ord(c) - ord("A")) if "A" <= c <= "Z" else c for c in text
    )


DISGUISES = {
    "fullwidth letters": lambda text, word: "".join(FULLWIDTH.get(c, c) for c in text),
    "mathematical bold": lambda text, word: _math_bold(text),
    "small capitals": lambda text, word: text.lower().translate(SMALL_CAPITALS),
    "Cyrillic look-alikes": lambda text, word: text.translate(CYRILLIC),
    "Greek look-alikes": lambda text, word: text.replace(word, word.translate(GREEK)),
    "right-to-left override": lambda text, word: "\u202e" + text[::-1],
    "zero-width spaces": lambda text, word: "\u200b".join(text),
    "zero-width joiners in the word": lambda text, word: text.replace(word, "\u200d".join(word)),
    "soft hyphens": lambda text, word: text.replace(word, "\u00ad".join(word)),
    "combining marks (zalgo)": lambda text, word: "".join(c + "\u0334\u0317\u0353" if c.isalpha() else c for c in text),
    "accents": lambda text, word: text.replace(word, word.translate(str.maketrans("aeiou", "äéïöü"))),
    "spaced-out word": lambda text, word: text.replace(word, " ".join(word)),
    "spaced-out sentence": lambda text, word: "  ".join(" ".join(w) for w in text.split()),
    "dotted word": lambda text, word: text.replace(word, ".".join(word)),
    "dots and spaces": lambda text, word: text.replace(word, ". ".join(word) + "."),
    "widely spaced word": lambda text, word: text.replace(word, "  ".join(word)),
    "slashed letters": lambda text, word: text.replace(word, " / ".join(word)),
    "tab-separated letters": lambda text, word: text.replace(word, "\t".join(word)),
    "spaced-out leetspeak": lambda text, word: text.replace(word, " ".join(word.translate(LEET))),
    "hyphenated letters": lambda text, word: text.replace(word, "-".join(word)),
    "leetspeak": lambda text, word: text.replace(word, word.translate(LEET)),
    "held letter": lambda text, word: text.replace(word, word[:-1] + word[-2] * 5 + word[-1]),
    "Cyrillic and zero-width": lambda text, word: text.replace(word, "\u200b".join(word.translate(CYRILLIC))),
}
"""Disguise name → function(text, word) giving ``text`` with ``word`` (or all of it) disguised."""

INSULTS = (
    ("You are an idiot.", "idiot"),
    ("You are a stupid moron.", "stupid"),
    ("Shut up, you pathetic loser.", "loser"),
    ("What a dumb idiot you are.", "idiot"),
    ("Nobody cares what a clueless fool like you thinks.", "fool"),
    ("You are a complete idiot and a liar.", "idiot"),
)
"""Plain insults, each with the word the one-word disguises hide."""
