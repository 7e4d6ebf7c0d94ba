"""Language detection on comments (issue 16, item 4): short comments in other languages are
named, English ones stay English (names, code, links, emoji, quotes, Spanglish included)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.features.language import SCORED_LANGUAGES, detect_language, language_note, looks_like_address, prose_words, unscored_language
from tests.conftest import ROOT, SEED_CSV, without_backtracking

FIXTURES = ROOT / "tests" / "fixtures" / "languages"


def fixture(name: str) -> list[tuple[str, str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line.strip()]


def test_short_comments_in_other_languages_are_not_english():
    comments = fixture("non-english.tsv")
    assert len(comments) == 300 and len({language for language, _ in comments}) == 15
    detected = [(language, detect_language(text)) for language, text in comments]
    not_english = Counter(language for language, found in detected if found not in (None, "en"))
    right = sum(found == language for language, found in detected)
    assert sum(not_english.values()) >= 0.9 * len(comments), not_english
    assert right >= 0.85 * len(comments)
    assert min(not_english[language] for language, _ in comments) >= 16  # every language, not a few
    assert not any(found == "en" for _, found in detected)


@pytest.mark.smoke  # also with the lowest py3langid pyproject.toml allows (.ci/run)
@pytest.mark.parametrize(
    "text, language",
    [
        ("Los cubanos merecen algo mejor que esta dictadura.", "es"),  # issue 16's examples
        ("Eres un idiota, vete a la mierda.", "es"),
        ("这篇文章写得很好，谢谢分享。", "zh"),
        ("この曲は本当にいいですね、毎日聴いています。", "ja"),
        ("이 노래 너무 좋아요, 매일 들어요.", "ko"),
        ("Ich stimme dem Autor überhaupt nicht zu.", "de"),
    ],
)
def test_issue_examples_are_named(text, language):
    assert detect_language(text) == language


def test_english_with_names_code_links_emoji_quotes_stays_english():
    for expected, text in fixture("english-hard.tsv"):
        found = detect_language(text)
        assert found == "en" if expected == "en" else found in ("en", None), (text, found)


def test_the_seed_thread_is_english():
    import csv

    with open(SEED_CSV, encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    found = Counter(detect_language(text) for text in texts)
    assert set(found) <= {"en", None} and found["en"] >= 40, found


@pytest.mark.parametrize(
    "text",
    [
        "уоu аrе аn іdіоt аnd а lіаr",  # Cyrillic look-alikes: an English insult, not Russian
        "ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ ａｎｄ ａ ｌｉａｒ",
        "You are an idiot. Los cubanos merecen algo mejor que esta dictadura. Viva Cuba libre.",
        "Viva Cuba libre, amigos! You people are clueless about the embargo.",
    ],
)
def test_an_english_insult_cannot_hide_as_another_language(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["", "   ", "lol", "Bravo!", "👍👍", "+1", "https://youtu.be/dQw4w9WgXcQ", "@nidal_77", "Merkel. Macron. Trudeau."])
def test_too_little_text_is_none(text):
    assert detect_language(text) is None


@pytest.mark.smoke
def test_the_note_names_the_language_and_only_for_unscored_ones():
    assert SCORED_LANGUAGES == ("en",)
    assert language_note("这篇文章写得很好，谢谢分享。") == "language zh: not scored"
    assert unscored_language("这篇文章写得很好，谢谢分享。") == "zh"
    assert language_note("Great article, thanks for the link to the report.") is None
    assert language_note("lol") is None  # too little to tell: scored as usual
    assert unscored_language("You are an idiot.") is None


def test_detection_is_deterministic_and_independent_of_order():
    texts = [text for _, text in fixture("non-english.tsv") + fixture("english-hard.tsv")]
    first = [detect_language(text) for text in texts]
    assert [detect_language(text) for text in reversed(texts)][::-1] == first
    script = "import sys; from moderation.features.language import detect_language; print([detect_language(t) for t in sys.argv[1:]])"
    again = subprocess.run([sys.executable, "-c", script, *texts[::7]], capture_output=True, text=True, cwd=ROOT, check=True)
    assert again.stdout.strip() == str(first[::7])


def test_a_huge_or_broken_text_is_read_in_bounded_time_and_without_errors():
    spanish = " ".join(text for language, text in fixture("non-english.tsv") if language == "es")
    assert len(spanish * 200) > 100_000
    assert detect_language(spanish * 200) == "es"
    assert detect_language("\ud800 lone surrogate and some more English words here") == "en"
    assert detect_language("\x00\x01\x02 control characters in an English comment") == "en"


def test_the_detector_is_imported_only_when_a_text_needs_it():
    script = (
        "import sys; from moderation.features.language import detect_language; "
        "assert 'py3langid' not in sys.modules; detect_language('You are wrong about the embargo, as usual.'); "
        "assert 'py3langid' not in sys.modules, 'the English fast path needs no detector'; "
        "detect_language('Los cubanos merecen algo mejor que esta dictadura.'); assert 'py3langid' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab@.#", min_size=1, max_size=12))
def test_an_address_is_what_the_backtracking_pattern_matched(word):
    assert looks_like_address(word) == bool(re.fullmatch(r"\S+@\S+\.\S+", word))


@pytest.mark.parametrize("text", ["@" * 100_000, "a@" * 50_000, "@." * 50_000, "x@" + "." * 100_000])
def test_runs_of_at_signs_are_read_without_backtracking(text):
    # bench/resources.py --only adversarial times it: the pattern used before took minutes on 20,000 "@".
    assert without_backtracking(lambda: prose_words(text)) == []
    assert detect_language(text) is None  # no letters: nothing to tell


def test_an_address_is_no_prose_word():
    assert prose_words("Write to jane.doe@example.com, Ana.") == ["Write", "to"]
    assert prose_words("Write to jane@example.com today") == ["Write", "to", "today"]
