"""Tokenization shared by training and scoring.

One normalization for every feature: lowercase, typographic apostrophes unified, URLs and
@mentions replaced by placeholders (their exact form is noise), hashtags kept as words,
elongations shortened ("soooo" → "soo") and leetspeak decoded ("sh!+" → "shit") so that
obfuscated insults meet their plain spelling.

Disguises are undone before that: Unicode ones (fullwidth or look-alike letters, invisible
characters, combining marks, a right-to-left override) by
:func:`moderation.features.folding.fold_unicode`, for text that is not plain ASCII; and
spelled-out ones ("i d i o t", "i.d.i.o.t", "1d10t", "idiooooot") only where that gives a
word of :data:`~moderation.features.wordlists.DISGUISED_WORDS`, so plain English text
tokenizes exactly as it would without this step.

Functions are cached per distinct text or word: comment streams repeat words far more than
they vary.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

import numpy as np

from moderation.features.folding import fold_unicode
from moderation.features.wordlists import DISGUISED_WORDS, KNOWN_WORDS
from moderation.features.wordlists import IDENTITY_WORDS

URL = re.compile(r"(?:https?://|www\.)\S+")
MENTION = re.compile(r"(?<!\w)@\w+")
ELONGATION = re.compile(r"(.)\1{2,}")
# Chunks of a token: word characters plus the symbols leetspeak uses inside words ("sh!+", "a$$").
CHUNK = re.compile(r"[\w@$!+']+")
# A run of letters, digits and the symbols leetspeak uses, from its first letter: a candidate
# when it holds symbols or digits (_decode_leet leaves one of letters alone). Written so that
# matching stays linear: "letters, then a symbol somewhere" backtracked cubically on a long word.
LEET_CANDIDATE = re.compile(r"[a-z][a-z0-9@$!+]*")
LEET = str.maketrans("@$!+0134578", "asitoieastb")
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# "f**k", "sh*t", "a##hole", "d???": a word with its middle or end starred out is profanity.
CENSORED = re.compile(r"(?<![\w*#?])(?:[a-z]{1,2}[*#?]{2,}[a-z]*|[a-z]+[*#]+[a-z]+)")
# "#LiberalsAreIdiots" → "Liberals Are Idiots": hashtags pack sentences into one token.
HASHTAG = re.compile(r"#(\w+)")
CAMEL_CASE_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Single letters (or leetspeak for one) spaced out, dotted or slashed ("i d i o t", "i. d. i. o. t",
# "i / d / i / o / t", "i d 1 0 t", "y o u  a r e"): one run.
# Not "_": it is a word character, so a run followed by one would be tried from each of its
# letters ("a_ a_ a_ …" took quadratic time); "i_d_i_o_t" is one token, for DOTTED_LETTERS.
LETTER_GAP = r"[ \t.\-*/|]{1,3}"
SPACED_UNIT = r"[a-z0-9@$+]"
SPACED_LETTERS = re.compile(rf"(?<![\w'@$+]){SPACED_UNIT}(?:{LETTER_GAP}{SPACED_UNIT}){{2,}}(?![\w'@$+])")
# What a run has, in " " + text: a space or tab, then three single characters. Several times
# faster to look for, as it starts with one of two characters, and 0.4% of news comments have
# it (mostly "u.s.a"); a run without spaces is a single token, for DOTTED_LETTERS.
SPACED_LETTERS_HINT = re.compile(rf"[ \t]{SPACED_UNIT}{LETTER_GAP}{SPACED_UNIT}{LETTER_GAP}{SPACED_UNIT}(?![\w'])")
NOT_LETTER = re.compile(r"[^a-z]+")
NOT_SPACED_LETTER = re.compile(r"[0-9@$+]")
SPACED_UNITS = re.compile(SPACED_UNIT)
MIN_LEET_RUN = 4
WIDE_GAP = re.compile(r"\s{2,}")
# Letters in fragments of one or two within one token ("id.i.ot", "f-u-c-k"). 
DOTTED_LETTERS = re.compile(r"(?<![\w])[a-z]{1,2}(?:[.\-_*][a-z]{1,2}){2,}(?![\w])")
# Emoji carry tone that words around them may not.
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")

URL_TOKEN = "xxurl"
MENTION_TOKEN = "xxuser"
CENSORED_TOKEN = "xxcensored"
CHAR_NGRAM_SIZES = (2, 5)
TOKEN_CACHE_LIMIT = 1 << 18  # distinct tokens remembered; about 50 MB at most
MAX_TEXT_CHARS = 100_000
LONGEST_KNOWN_WORD = max(map(len, KNOWN_WORDS))
UNKNOWN_RUN_COST, UNKNOWN_LETTER_COST = 3.0, 1.2  # see spelled_out_words
SPELLED_OUT_CHUNK = 256  # letters split into words at a time: bounds the work of a huge run


def _decode_leet(match: re.Match) -> str:
    token = match.group()
    core = token.rstrip("!")  # "wow!!" is emphasis, not a letter
    digits_stripped = core.rstrip("0123456789")
    is_alphanumeric_name = digits_stripped.isalpha()  # "covid19", "mp3", "erikand99"
    letters = sum(ch.isalpha() for ch in core)
    if letters < 2 or is_alphanumeric_name or core.isalpha():
        return token
    return core.translate(LEET) + token[len(core):]


def respelled(chunk: str) -> str:
    """One chunk of a token spelled as a word: elongations shortened ("soooo" → "soo"),
    leetspeak decoded ("sh!+" → "shit"), and an insult disguised in leetspeak ("1d10t",
    "$h1t!"), with a letter held ("idiooooot") or with accents ("ïdïöt") spelled as itself:
    only the last gives a word of :data:`DISGUISED_WORDS` other spellings would not."""
    core = chunk.rstrip("!")  # "idiot!!" is emphasis, not a letter
    if not core.isascii():
        bare = "".join(c for c in unicodedata.normalize("NFD", core) if not unicodedata.combining(c))
        if bare in DISGUISED_WORDS:
            return bare
    if ELONGATION.search(chunk):
        held = ELONGATION.sub(r"\1", core)
        if held in DISGUISED_WORDS and ELONGATION.sub(r"\1\1", core) not in DISGUISED_WORDS:
            return held
        chunk = ELONGATION.sub(r"\1\1", chunk)
    if chunk.isalpha():
        return chunk
    decoded = core.translate(LEET)
    if decoded != core and decoded in DISGUISED_WORDS:
        return decoded
    return LEET_CANDIDATE.sub(_decode_leet, chunk)


def _join_dotted(match: re.Match) -> str:
    joined = NOT_LETTER.sub("", match.group())
    return joined if joined in DISGUISED_WORDS else match.group()


def words_of_token(token: str) -> tuple[str, ...]:
    """The words in one whitespace-separated token, spelled by :func:`respelled`, and
    censored words marked ("Sh!+," → ("shit",), "f**king" → ("xxcensored",), "don't" →
    ("don't",), "U.S." → ("u", "s"), "🤬" → ("🤬",), "1d10t" → ("idiot",), "id.i.ot" →
    ("idiot",))."""
    if "." in token or "-" in token or "_" in token or "*" in token:
        token = DOTTED_LETTERS.sub(_join_dotted, token)
    if CENSORED.search(token):
        token = CENSORED.sub(f" {CENSORED_TOKEN} ", token)
    words: list[str] = EMOJI.findall(token)
    for chunk in CHUNK.findall(token):
        words += WORD.findall(respelled(chunk))
    return tuple(words)


class TokenCache(dict):
    """Whitespace-separated token → its words. Comments repeat tokens far more than they vary,
    so the regex work is done once per distinct token; memory is bounded by clearing."""

    def __missing__(self, token: str) -> tuple[str, ...]:
        if len(self) >= TOKEN_CACHE_LIMIT:
            self.clear()
        words = self[token] = words_of_token(token)
        return words


_token_words = TokenCache()


def _split_hashtag(match: re.Match) -> str:
    return " ".join(CAMEL_CASE_WORD.findall(match.group(1))) or match.group(1)


def _mention(match: re.Match) -> str:
    decoded = match.group().translate(LEET)
    return decoded if decoded in DISGUISED_WORDS else f" {MENTION_TOKEN} "  # "@ss" is no user name


def spelled_out_words(letters: str) -> list[str]:
    """``letters`` split into the cheapest sequence of words: a known word
    (:data:`KNOWN_WORDS`) costs 1, a run of unknown letters 3 plus 1.2 per letter, so
    "youareacompleteidiot" gives ["you", "are", "a", "complete", "idiot"]: an unknown letter
    costs more than a known word, and an unknown word is cut only around a known word of four
    letters or more. Linear in ``letters``."""
    n = len(letters)
    # best[i]: cheapest split of letters[:i] ending between words; open[i]: ending inside an
    # unknown run, which may grow; each with where its last piece starts.
    best, best_start = [0.0] + [math.inf] * n, [0] * (n + 1)
    open_cost, open_start = [math.inf] * (n + 1), [0] * (n + 1)
    for i in range(1, n + 1):
        if best[i - 1] + UNKNOWN_RUN_COST <= open_cost[i - 1]:
            open_cost[i], open_start[i] = best[i - 1] + UNKNOWN_RUN_COST + UNKNOWN_LETTER_COST, i - 1
        else:
            open_cost[i], open_start[i] = open_cost[i - 1] + UNKNOWN_LETTER_COST, open_start[i - 1]
        best[i], best_start[i] = open_cost[i], open_start[i]
        for start in range(max(0, i - LONGEST_KNOWN_WORD), i):
            if best[start] + 1 < best[i] and letters[start:i] in KNOWN_WORDS:
                best[i], best_start[i] = best[start] + 1, start
    words = []
    while n > 0:
        words.append(letters[best_start[n] : n])
        n = best_start[n]
    return words[::-1]


@lru_cache(maxsize=1 << 10)
def words_of_run(run: str) -> tuple[str, ...]:
    """The words a run of spaced-out letters spells: split at its wider gaps ("y o u  a r e"),
    or by :func:`spelled_out_words` when the gaps are alike ("y o u a r e", "i  d  i  o  t") or
    most of what the wider ones part is single letters ("a m  o  r  o  n")."""
    run = run.translate(LEET)
    pieces = [NOT_LETTER.sub("", piece) for piece in WIDE_GAP.split(run)]
    if len(pieces) > 1 and 2 * sum(len(piece) > 1 for piece in pieces) > len(pieces):
        return tuple(pieces)
    letters = NOT_LETTER.sub("", run)
    return tuple(w for k in range(0, len(letters), SPELLED_OUT_CHUNK) for w in spelled_out_words(letters[k : k + SPELLED_OUT_CHUNK]))


def spells_disguised_word(run: str, spelled: tuple[str, ...]) -> bool:
    """Whether a run's words include one of :data:`DISGUISED_WORDS`. A run with digits or
    symbols must have :data:`MIN_LEET_RUN` characters: "a 5.5" is a number, not "ass"."""
    if NOT_SPACED_LETTER.search(run) and len(SPACED_UNITS.findall(run)) < MIN_LEET_RUN:
        return False
    return any(word in DISGUISED_WORDS for word in spelled)


def join_spelled_out(text: str) -> str:
    """``text`` with its runs of spaced-out letters joined into words, if one of them spells
    a word of :data:`DISGUISED_WORDS`; otherwise (lists, initials) unchanged. A run with digits
    or symbols in it is joined only when it spells such a word itself: "1 2 3" stays a number."""
    runs = list(SPACED_LETTERS.finditer(text))
    words = [words_of_run(run.group()) for run in runs]
    disguised = [spells_disguised_word(run.group(), spelled) for run, spelled in zip(runs, words)]
    if not any(disguised):
        return text
    parts, end = [], 0
    for run, spelled, spells_one in zip(runs, words, disguised):
        if spells_one or NOT_SPACED_LETTER.search(run.group()) is None:
            parts += [text[end : run.start()], " ".join(spelled)]
            end = run.end()
    return "".join(parts) + text[end:]


def normalize(text: str) -> str:
    """Lowercased text with hashtags split into words and URLs and @mentions replaced by
    placeholders; Unicode disguises folded (:func:`fold_unicode`) and letters spaced out to
    spell an insult ("y o u  a r e  a n  i d i o t") joined into its words.

    Only the first :data:`MAX_TEXT_CHARS` characters count: a multi-megabyte "comment" is a
    paste or an attack, and scoring all of it would cost memory for nothing.
    """
    text = text[:MAX_TEXT_CHARS]
    plain = text.isascii()
    if not plain:
        text = fold_unicode(text)
    if "#" in text:
        text = HASHTAG.sub(_split_hashtag, text)
    text = text.lower() if plain else text.lower().replace("’", "'").replace("‘", "'")
    if "http" in text or "www." in text:
        text = URL.sub(f" {URL_TOKEN} ", text)
    if "@" in text:
        text = MENTION.sub(_mention, text)
    return join_spelled_out(text) if SPACED_LETTERS_HINT.search(" " + text) else text


@lru_cache(maxsize=1 << 12)
def tokenize(text: str) -> tuple[str, ...]:
    """The word tokens of ``text``: see the module docstring for the normalization."""
    return tuple(chain.from_iterable(map(_token_words.__getitem__, normalize(text).split())))


class EncodedTexts(NamedTuple):
    """Several texts as word ids, text after text."""

    count: int
    lengths: np.ndarray  # tokens per text
    offsets: np.ndarray  # where each text's tokens start in ``ids``
    ids: np.ndarray  # word ids of all tokens
    docs: np.ndarray  # which text each token belongs to


class TokenIds(dict):
    """Whitespace-separated token → the word ids of its words, for one :class:`WordTable`."""

    def __init__(self, table: "WordTable"):
        super().__init__()
        self.table = table

    def __missing__(self, token: str) -> tuple[int, ...]:
        if len(self) >= TOKEN_CACHE_LIMIT:
            self.clear()  # ids stay valid: only the shortcut is forgotten
        ids = self[token] = tuple(self.table.id_of(word) for word in _token_words[token])
        return ids


class WordTable:
    """Numbers every distinct word seen, so that per-word work (n-gram lookups, flags) is done
    once per word and per-text work is NumPy over word ids. Ids stay valid for the table's life;
    whoever keeps a table for a long time bounds its size by starting a new one."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self._token_ids = TokenIds(self)

    def __len__(self) -> int:
        return len(self.words)

    def __getstate__(self) -> dict:
        # The token shortcut is a cache: rebuilt on demand rather than shipped to workers.
        return {"ids": self.ids, "words": self.words}

    def __setstate__(self, state: dict) -> None:
        self.ids, self.words = state["ids"], state["words"]
        self._token_ids = TokenIds(self)

    def id_of(self, word: str) -> int:
        """The id of ``word``, numbering it if it is new."""
        number = self.ids.get(word)
        if number is None:
            number = self.ids[word] = len(self.words)
            self.words.append(word)
        return number

    def encode(self, texts: list[str]) -> EncodedTexts:
        """The word ids of ``texts``: the same tokens as :func:`tokenize`, as numbers."""
        ids_of_token = self._token_ids.__getitem__
        return self._encoded((chain.from_iterable(map(ids_of_token, normalize(text).split())) for text in texts), len(texts))

    def encode_tokens(self, token_lists) -> EncodedTexts:
        """The word ids of texts already tokenized (sequences of words)."""
        get, id_of = self.ids.get, self.id_of
        return self._encoded(([get(w) if w in self.ids else id_of(w) for w in tokens] for tokens in token_lists), len(token_lists))

    def _encoded(self, ids_per_text, count: int) -> EncodedTexts:
        ids: list[int] = []
        lengths = []
        for text_ids in ids_per_text:
            before = len(ids)
            ids.extend(text_ids)
            lengths.append(len(ids) - before)
        lengths_array = np.array(lengths, dtype=np.int64)
        offsets = np.zeros(count, dtype=np.int64)
        np.cumsum(lengths_array[:-1], out=offsets[1:])
        docs = np.repeat(np.arange(count, dtype=np.int64), lengths_array)
        return EncodedTexts(count, lengths_array, offsets, np.array(ids, dtype=np.int64), docs)

    def tokens(self, encoded: EncodedTexts) -> list[tuple[str, ...]]:
        """Each encoded text's tokens as words again (what :func:`tokenize` gives)."""
        words = self.words
        ids = encoded.ids.tolist()
        return [tuple(words[i] for i in ids[start : start + length]) for start, length in zip(encoded.offsets.tolist(), encoded.lengths.tolist())]


def grown(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` with room for at least ``size`` items: capacity doubles, so appending n items
    one batch at a time copies O(n) items in all."""
    if size <= len(array):
        return array
    bigger = np.zeros(max(size, 2 * len(array), 16), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


class PerWordValues:
    """One number per word of a :class:`WordTable`, computed once per word as the table grows."""

    def __init__(self, table: WordTable, dtype=np.int64):
        self.table = table
        self._values = np.zeros(0, dtype=dtype)
        self._known = 0

    def array(self, value_of_word) -> np.ndarray:
        """The values of every word so far; ``value_of_word(word)`` gives a new word's value (it
        may add words to the table: they get values too). Passed in rather than kept, so this
        cache holds no reference back to its owner."""
        words = self.table.words
        while self._known < len(words):
            start, stop = self._known, len(words)
            new = [value_of_word(w) for w in words[start:stop]]
            self._values = grown(self._values, stop)
            self._values[start:stop] = new
            self._known = stop
        return self._values[: self._known]


class PerWordIds:
    """A list of ids (e.g. n-gram feature ids) for every word of a :class:`WordTable`, kept as
    flat arrays and extended as the table grows, so a text's ids are gathered with NumPy."""

    def __init__(self, table: WordTable):
        self.table = table
        self._ends = PerWordValues(table)  # where each word's ids end in ``_flat``
        self._flat = np.zeros(0, dtype=np.int64)
        self._size = 0

    def _append(self, ids: list[int]) -> int:
        self._flat = grown(self._flat, self._size + len(ids))
        self._flat[self._size : self._size + len(ids)] = ids
        self._size += len(ids)
        return self._size

    def gather(self, word_ids: np.ndarray, ids_of_word) -> tuple[np.ndarray, np.ndarray]:
        """(how many ids each token has, all their ids in token order); ``ids_of_word`` gives a
        word's list of ids, computed once per word and passed in rather than kept, so that this
        cache holds no reference back to its owner."""
        ends = self._ends.array(lambda word: self._append(ids_of_word(word)))
        counts = ends[word_ids] - np.where(word_ids > 0, ends[np.maximum(word_ids - 1, 0)], 0)
        starts = ends[word_ids] - counts
        # Each token's run: where it starts in ``_flat`` plus the position within the run.
        run_starts = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        return counts, self._flat[run_starts + np.arange(int(counts.sum()))]


def word_ngrams(tokens: tuple[str, ...]) -> list[str]:
    """Unigrams and bigrams; bigrams keep short phrases like "you people" or "shut up". None
    holds a word of :data:`~moderation.features.wordlists.IDENTITY_WORDS`."""
    return [
        *(a for a in tokens if a not in IDENTITY_WORDS),
        *(f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if a not in IDENTITY_WORDS and b not in IDENTITY_WORDS),
    ]


@lru_cache(maxsize=1 << 12)
def char_ngrams_of_word(word: str) -> tuple[str, ...]:
    """Character 2–5-grams of one word padded with spaces, as scikit-learn's ``char_wb`` does.

    Within-word n-grams let a model trained on a few comments recognize inflections and
    misspellings ("idiots", "idiotic", "idoit") of the words it has seen. Cached: a model's own
    vocabulary and its prior's both look up each new word. A word of
    :data:`~moderation.features.wordlists.IDENTITY_WORDS` has none.
    """
    if word in IDENTITY_WORDS:
        return ()
    padded = f" {word} "
    low, high = CHAR_NGRAM_SIZES
    grams = []
    for size in range(low, high + 1):
        if len(padded) <= size:
            grams.append(padded)
            break
        grams += [padded[i : i + size] for i in range(len(padded) - size + 1)]
    return tuple(grams)


def char_ngrams(tokens: tuple[str, ...]) -> list[str]:
    """The within-word char n-grams of a token sequence (an analyzer for scikit-learn)."""
    return [gram for word in tokens for gram in char_ngrams_of_word(word)]
