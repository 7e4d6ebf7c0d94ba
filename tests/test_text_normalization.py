"""Disguised insults tokenize as their plain spelling, and ordinary text as it always did
(issue 17, "Silent verdicts": fullwidth and look-alike letters, invisible characters, a
right-to-left override, spaced-out letters, leetspeak)."""

from __future__ import annotations

import csv
import json
import re
import string
import unicodedata

import numpy as np
import pytest

from moderation.comments import LABELS, Comment
from moderation.features.folding import LOOKALIKES_BY_LETTER, fold_unicode
from moderation.features.text import WordTable, normalize, spelled_out_words, tokenize
from moderation.io.readers import ReadOptions, open_input
from tests.conftest import LABELS_DIR, ROOT, without_backtracking
from tools.disguises import DISGUISES, INSULTS

SCORE_TOLERANCE = 0.1


@pytest.fixture(scope="module")
def scorer(shipped_model):
    return shipped_model.scorer


def scores(scorer, text: str) -> np.ndarray:
    return scorer.score_threads([Comment(text=text, id="1", thread_id="t")])[0]


@pytest.mark.parametrize("name", DISGUISES)
def test_a_disguised_insult_scores_as_the_plain_one(scorer, name):
    hostile = LABELS.index("hostile")
    for plain, word in INSULTS:
        disguised = DISGUISES[name](plain, word)
        assert disguised != plain
        plain_scores, disguised_scores = scores(scorer, plain), scores(scorer, disguised)
        assert plain_scores[hostile] > 0.5, plain  # the insults are ones the model catches
        assert np.abs(disguised_scores - plain_scores).max() < SCORE_TOLERANCE, (name, disguised, tokenize(disguised))


@pytest.mark.parametrize(
    "disguised, plain",
    [
        ("You are an 1d10t", "You are an idiot"),
        ("what a $h1t take", "what a shit take"),
        ("you are a @ss", "you are a ass"),
        ("a$$hole", "asshole"),
        ("stuuuuupid", "stupid"),
        ("idiooooot!!!", "idiot!!!"),
        ("i.d.i.o.t", "idiot"),
        ("id.i.ot", "idiot"),
        ("f-u-c-k off", "fuck off"),
        ("(i d i o t)", "(idiot)"),
        ("y o u a r e a c o m p l e t e i d i o t", "you are a complete idiot"),
        ("S h u t  u p ,  y o u  l o s e r", "shut up, you loser"),
        ("YOU ARE AN ІDІОТ", "you are an idiot"),
        ("\u202etoidi na era uoY", "You are an idiot"),
        ("You are an ɪᴅɪᴏᴛ", "You are an idiot"),
        ("ｙｏｕ　ａｒｅ　ａｎ　ｉ　ｄ　ｉ　ｏ　ｔ", "you are an idiot"),
        ("🤬 i\u200bd\u200bi\u200bo\u200bt 🤬", "🤬 idiot 🤬"),
    ],
)
def test_disguises_tokenize_as_the_plain_text(disguised, plain):
    assert tokenize(disguised) == tokenize(plain)


@pytest.mark.parametrize(
    "text, tokens",
    [
        # Initials, abbreviations and lists are not words of an insult: left as they were.
        ("The U.S.A. and the U.K., e.g. a b c", ("the", "u", "s", "a", "and", "the", "u", "k", "e", "g", "a", "b", "c")),
        ("I a m here", ("i", "a", "m", "here")),
        ("a half-wit remark", ("a", "half", "wit", "remark")),
        ("soooo good", ("soo", "good")),
        ("1st and 2nd, b4 covid19, mp3", ("1st", "and", "2nd", "b4", "covid19", "mp3")),
        ("f**k this", ("xxcensored", "this")),
        # Other scripts and accents stay as written; only look-alike-only words are folded.
        ("café naïve Zürich", ("café", "naïve", "zürich")),
        ("这篇文章写得很好", ("这篇文章写得很好",)),
        ("Это хорошая статья", ("это", "хорошая", "статья")),
        ("Depot™ at 21℃, ½ price", ("depot", "at", "21", "½", "price")),
        # Decomposed accents compose (text typed on some systems arrives so).
        ("cafe\u0301", ("café",)),
    ],
)
def test_ordinary_text_is_not_respelled(text, tokens):
    assert tokenize(text) == tokens


def test_the_seed_thread_tokenizes_exactly_as_before():
    """tests/fixtures/seed-tokens.json holds the tokens main gave before disguises were undone."""
    expected = json.loads((ROOT / "tests" / "fixtures" / "seed-tokens.json").read_text(encoding="utf-8"))
    with open(LABELS_DIR / "comments.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(expected["comments"]) == 47
    assert sum(not row["text"].isascii() for row in rows) > 10  # curly quotes, dashes, ellipses
    for row in rows:
        assert list(tokenize(row["text"])) == expected["comments"][row["id"]], row["id"]
    with open_input(LABELS_DIR / "threads" / "havana-times-cuba-north-korea.txt", ReadOptions(format="thread")) as source:
        article = next(iter(source.comments())).article
    assert list(tokenize(article)) == expected["article"]


def test_word_table_encodes_what_tokenize_gives():
    texts = [DISGUISES[name](plain, word) for name in DISGUISES for plain, word in INSULTS]
    table = WordTable()
    assert table.tokens(table.encode(texts)) == [tokenize(t) for t in texts]


@pytest.mark.parametrize(
    "text, shown",
    [
        ("\u202etoidi na era uoY", "You are an idiot"),  # stored reversed to display as an insult
        ("\u202eYou are an idiot", "You are an idiot"),  # an override over readable text: as stored
        ("say \u202etoidi\u202c again", "say idiot again"),  # up to its end mark
        ("\u202etoidi\nline two", "idiot\nline two"),  # or to the end of the line
        ("\u202eשלום עולם", "שלום עולם"),  # right-to-left script reads as stored
    ],
)
def test_a_right_to_left_override_reads_as_displayed(text, shown):
    assert fold_unicode(text) == shown


def test_invisible_characters_and_stray_marks_are_removed():
    assert fold_unicode("i\u200bd\u200ci\u200do\u2060t\u00ad\ufeff") == "idiot"
    assert fold_unicode("i̴̗͓d̷i̸o̵t̶") == "idiot"
    # Marks that belong to a script are kept: Hindi vowel signs, Arabic vowel points.
    assert fold_unicode("नमस्ते") == "नमस्ते"
    assert fold_unicode("مَرْحَبًا") == "مَرْحَبًا"


@pytest.mark.parametrize(
    "letters, words",
    [
        ("youareanidiot", ["you", "are", "an", "idiot"]),
        ("youareacompleteidiot", ["you", "are", "a", "complete", "idiot"]),
        ("shutupyoupatheticloser", ["shut", "up", "you", "pathetic", "loser"]),
        ("idiot", ["idiot"]),
        ("zzqx", ["zzqx"]),
        ("", []),
    ],
)
def test_spelled_out_letters_split_into_words(letters, words):
    assert spelled_out_words(letters) == words


def test_a_huge_spaced_out_comment_is_joined_in_bounded_pieces():
    text = "i d i o t " * 10_000  # 100,000 characters, split in pieces of 256 letters
    tokens = tokenize(text)
    assert tokens.count("idiot") > 9_500  # a word cut at a piece's edge is lost, no more
    assert sum(map(len, tokens)) == 50_000  # every letter kept, once


def test_lookalike_table_is_unicodes_confusables_data():
    """The table is what this rule gives on Unicode's confusables.txt (as the confusable-homoglyphs
    package ships it): each letter of another script, not folded by NFKC, that the data lists as
    looking like exactly one ASCII letter (I when it is a capital looking like l), plus the Latin
    small capitals by name."""
    homoglyphs = pytest.importorskip("confusable_homoglyphs", reason="confusable-homoglyphs (test extra) ships Unicode's confusables data")
    from importlib.resources import files

    data = json.loads(files(homoglyphs).joinpath("confusables.json").read_text(encoding="utf-8"))
    ascii_letters = set(string.ascii_letters)
    expected = {}
    for char, group in data.items():
        if len(char) != 1 or char.isascii() or not unicodedata.category(char).startswith("L"):
            continue
        if unicodedata.normalize("NFKC", char) != char:
            continue
        targets = {entry["c"] for entry in group if entry["c"] in ascii_letters}
        if targets == {"l", "I"} or (targets == {"l"} and unicodedata.category(char) == "Lu"):
            targets = {"I"} if unicodedata.category(char) == "Lu" else {"l"}
        if len(targets) == 1:
            expected[char] = targets.pop()
    for code in range(0x80, 0x20000):
        small_capital = re.fullmatch(r"LATIN LETTER SMALL CAPITAL ([A-Z])", unicodedata.name(chr(code), ""))
        if small_capital:
            expected.setdefault(chr(code), small_capital.group(1).lower())
    table = {char: letter for letter, chars in LOOKALIKES_BY_LETTER.items() for char in chars}
    assert table == expected
    assert {"а": "a", "е": "e", "о": "o", "і": "i", "ο": "o", "ι": "i", "ᴅ": "d"}.items() <= table.items()


def test_server_spans_quote_the_comment_as_sent():
    """Normalization happens inside tokenization: the server's sentence spans still count
    characters of the text the client sent, disguises and all."""
    from starlette.testclient import TestClient

    from moderation.server import scoring
    from moderation.server.app import ServerSettings, create_app

    text = "You are an і\u200bd\u200bі\u200bо\u200bt. The weather is nice today."
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}
    with TestClient(create_app(ServerSettings(), scoring.load(None))) as client:
        response = client.post("/v1alpha1/comments:analyze", json=body)
    assert response.status_code == 200
    whole, insult, weather = response.json()["attributeScores"]["TOXICITY"]["spanScores"]
    assert (whole["begin"], whole["end"]) == (0, len(text))
    assert text[insult["begin"] : insult["end"]] == "You are an і\u200bd\u200bі\u200bо\u200bt."
    assert text[weather["begin"] : weather["end"]] == "The weather is nice today."
    assert insult["score"]["value"] > weather["score"]["value"]


def test_a_number_spaced_out_beside_a_spaced_out_insult_stays_a_number():
    assert normalize("i d 1 0 t, it was 1 2 3") == "idiot, it was 1 2 3"
    assert normalize("the score was 4 - 1 - 0") == "the score was 4 - 1 - 0"
    assert normalize("giving a 5.5% wage hike") == "giving a 5.5% wage hike"  # not "ass%"


@pytest.mark.parametrize("text", [" a a a " + "a_ " * 30_000 + "ab", " a a a " + "a_." * 30_000])
def test_runs_of_underscored_letters_are_read_without_backtracking(text):
    # bench/resources.py --only adversarial times it: the run was tried from each letter (0.9 s on
    # 20,000 characters; quadratic, so over a minute here).
    assert without_backtracking(lambda: normalize(text)) == text
