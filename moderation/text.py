"""Tokenization shared by training and scoring.

One normalization for every feature: lowercase, typographic apostrophes unified, URLs and
@mentions replaced by placeholders (their exact form is noise), hashtags kept as words,
elongations shortened ("soooo" → "soo") and leetspeak decoded ("sh!+" → "shit") so that
obfuscated insults meet their plain spelling. Functions are cached per distinct text or word:
comment streams repeat words far more than they vary.
"""

from __future__ import annotations

import re
from functools import lru_cache

URL = re.compile(r"(?:https?://|www\.)\S+")
MENTION = re.compile(r"(?<!\w)@\w+")
ELONGATION = re.compile(r"(.)\1{2,}")
# A word that starts with letters and contains symbols or digits used as letters.
LEET_CANDIDATE = re.compile(r"(?<![\w@$!+])[a-z]+[a-z0-9@$!+]*[0-9@$!+][a-z0-9@$!+]*")
LEET = str.maketrans("@$!+0134578", "asitoieastb")
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

URL_TOKEN = "xxurl"
MENTION_TOKEN = "xxuser"
CHAR_NGRAM_SIZES = (2, 5)


def _decode_leet(match: re.Match) -> str:
    token = match.group()
    core = token.rstrip("!")  # "wow!!" is emphasis, not a letter
    digits_stripped = core.rstrip("0123456789")
    is_alphanumeric_name = digits_stripped.isalpha()  # "covid19", "mp3", "erikand99"
    letters = sum(ch.isalpha() for ch in core)
    if letters < 2 or is_alphanumeric_name or core.isalpha():
        return token
    return core.translate(LEET) + token[len(core):]


def normalize(text: str) -> str:
    """Lowercased text with placeholders, shortened elongations and decoded leetspeak."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = URL.sub(f" {URL_TOKEN} ", text)
    text = MENTION.sub(f" {MENTION_TOKEN} ", text)
    text = ELONGATION.sub(r"\1\1", text)
    return LEET_CANDIDATE.sub(_decode_leet, text)


@lru_cache(maxsize=1 << 16)
def tokenize(text: str) -> tuple[str, ...]:
    """The word tokens of ``text`` after :func:`normalize`."""
    return tuple(WORD.findall(normalize(text)))


def word_ngrams(tokens: tuple[str, ...]) -> list[str]:
    """Unigrams and bigrams; bigrams keep short phrases like "you people" or "shut up"."""
    return [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))]


@lru_cache(maxsize=1 << 18)
def char_ngrams_of_word(word: str) -> tuple[str, ...]:
    """Character 2–5-grams of one word padded with spaces, as scikit-learn's ``char_wb`` does.

    Within-word n-grams let a model trained on a few comments recognize inflections and
    misspellings ("idiots", "idiotic", "idoit") of the words it has seen.
    """
    padded = f" {word} "
    low, high = CHAR_NGRAM_SIZES
    grams = []
    for size in range(low, high + 1):
        if len(padded) <= size:
            grams.append(padded)
            break
        grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return tuple(grams)


def char_ngrams(tokens: tuple[str, ...]) -> list[str]:
    return [gram for word in tokens for gram in char_ngrams_of_word(word)]


def comment_word_ngrams(text: str) -> list[str]:
    """Analyzer for scikit-learn's TfidfVectorizer over word n-grams."""
    return word_ngrams(tokenize(text))


def comment_char_ngrams(text: str) -> list[str]:
    """Analyzer for scikit-learn's TfidfVectorizer over within-word character n-grams."""
    return char_ngrams(tokenize(text))
