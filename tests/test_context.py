"""Context features on threads small enough to compute by hand."""

import math

import numpy as np
import pytest

from moderation.comments import Comment
from moderation.features.context import CONTEXT_FEATURES, EarlierComments, WordFacts, encoded_comments, whole_thread_features

COLUMN = {name: i for i, name in enumerate(CONTEXT_FEATURES)}


def context_features(comments):
    return whole_thread_features(WordFacts(), comments)[1]


def thread(*texts, article="", authors=None, parents=None):
    authors = authors or [""] * len(texts)
    parents = parents or [""] * len(texts)
    return [
        Comment(text=t, id=str(i + 1), thread_id="t", article=article, author=a, parent_id=p)
        for i, (t, a, p) in enumerate(zip(texts, authors, parents))
    ]


def test_similarities_by_hand():
    # Content vectors: A = {ferry, schedule, delayed}/√3, B = {ferry, schedule}/√2, C = {pizza, recipe}/√2.
    comments = thread("ferry schedule delayed", "the ferry schedule", "pizza recipe", article="Ferry schedule changes")
    features = context_features(comments)
    thread_similarity = features[:, COLUMN["thread_similarity"]]
    # A against B + C: A·B = 2/√6, |B + C| = √2.
    assert thread_similarity[0] == pytest.approx((2 / math.sqrt(6)) / math.sqrt(2))
    assert thread_similarity[2] == pytest.approx(0.0)  # C shares no word with A or B
    article_similarity = features[:, COLUMN["article_similarity"]]  # article vector {ferry, schedule, changes}/√3
    assert article_similarity[0] == pytest.approx(2 / 3)
    assert article_similarity[1] == pytest.approx(2 / math.sqrt(6))
    assert article_similarity[2] == pytest.approx(0.0)


def test_missing_context_is_nan():
    features = context_features([Comment(text="a lonely comment", thread_id="alone")])
    assert np.isnan(features[0, COLUMN["article_similarity"]])
    assert np.isnan(features[0, COLUMN["thread_similarity"]])


def test_wording_counts():
    features = context_features(thread("You people are idiots, you know it", "fine"))
    row = dict(zip(CONTEXT_FEATURES, features[0]))
    assert row["second_person"] == pytest.approx(math.log1p(2))  # "you", "you"
    assert row["addresses_group"] == pytest.approx(math.log1p(1))  # "you people"
    assert row["hostile_words"] == pytest.approx(math.log1p(1))  # "idiots"
    assert row["length"] == pytest.approx(math.log1p(7))


def test_participant_names_from_authors_and_from_addressing():
    by_author = thread("Lee here: I like ferries", "Lee is wrong about ferries", authors=["Ann Lee", "Bo"])
    assert context_features(by_author)[1, COLUMN["names_participant"]] == pytest.approx(math.log1p(1))
    assert context_features(by_author)[0, COLUMN["names_participant"]] == 0  # her own name does not count
    # "nidal" opens two comments, so a third that mentions nidal names a participant.
    addressed = thread("Nidal, look again.", "No nidal. Wrong.", "What nidal said is odd")
    assert context_features(addressed)[2, COLUMN["names_participant"]] == pytest.approx(math.log1p(1))
    once = thread("Nidal, look again.", "What nidal said is odd")
    assert context_features(once)[1, COLUMN["names_participant"]] == 0


def test_replies_address_the_parent_author():
    comments = thread("Ferries are late", "You are wrong, Carlyle", "You are wrong", authors=["Carlyle McDuff", "x", ""], parents=["", "1", ""])
    features = context_features(comments)[:, COLUMN["addresses_parent"]]
    assert features[1] == pytest.approx(math.log1p(2))  # "you" + "carlyle"
    assert features[2] == 0  # not a reply


def test_streaming_compares_with_earlier_comments_only():
    comments = thread("ferry schedule delayed", "the ferry schedule", "pizza recipe")
    facts = WordFacts()
    earlier = EarlierComments(facts)
    rows = []
    for comment in comments:
        encoded, vectors = encoded_comments(facts, [comment])
        rows.append(earlier.features([comment], encoded, vectors)[0])
        earlier.add([comment], encoded, vectors)
    rows = np.array(rows)
    assert np.isnan(rows[0, COLUMN["thread_similarity"]])  # nothing before it
    assert rows[1, COLUMN["thread_similarity"]] == pytest.approx(2 / math.sqrt(6))  # against A alone
    # The last comment sees the whole thread before it, as in the batch form.
    np.testing.assert_allclose(rows[2], context_features(comments)[2], atol=1e-12)


def test_streaming_statistics_added_together_equal_those_added_one_by_one():
    comments = thread("ferry schedule delayed", "the ferry schedule", "pizza recipe", "ferry pizza tonight")
    facts = WordFacts()
    together, one_by_one = EarlierComments(facts), EarlierComments(facts)
    together.add(comments[:3])
    for comment in comments[:3]:
        one_by_one.add([comment])
    last = comments[3:]
    np.testing.assert_allclose(
        together.features(last, *encoded_comments(facts, last)), one_by_one.features(last, *encoded_comments(facts, last)), atol=1e-12
    )
    assert together.threads["t"].norm2 == pytest.approx(one_by_one.threads["t"].norm2)
    assert together.threads["t"].words == one_by_one.threads["t"].words == 5  # ferry, schedule, delay(ed), pizza, recipe
