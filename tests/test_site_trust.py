"""Flags a moderator can act on (issue 16): spam counts as off-topic, short replies count through
what they answer, words naming a group carry no weight, thresholds hold on a site where few
comments carry a label, and comments in other languages get no verdict."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.comments import LABELS, Comment
from moderation.features.context import CONTEXT_FEATURES, WordFacts, whole_thread_features, without_own_topic
from moderation.features import spam
from moderation.features.spam import spam_signs
from moderation.features.text import char_ngrams_of_word, tokenize, word_ngrams
from moderation.model.pipeline import MANNER_FEATURES, ModerationClassifier, choose_threshold
from moderation.model.scorer import Scorer
from moderation.model.verdicts import Judge
from tests.conftest import run_cli, without_backtracking

COLUMN = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
ARTICLE = "The city council votes on the new bus routes and the fare increase next week."
SPAM = [
    "Make $5000 a month working from home! Visit www.easy-cash.biz now",
    "WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461.",
    "Check out my new song on my channel and please subscribe!!",
    "I make $85 an hour working from my laptop, see how here: www.jobs-online-daily.com",
]
SHORT_REPLIES = ["Source?", "This.", "lol", "Exactly what I was going to say.", "Darude, Sandstorm.", "Dead hahaha"]


@pytest.mark.parametrize(
    "text, links, promotion",
    [
        ("Make $5000 a month working from home! Visit www.easy-cash.biz now", 1, 3),
        ("To claim call 09061701461. Claim code KL341.", 1, 0),
        ("Check out my new song on my channel and please subscribe!!", 0, 3),
        ("The report is at https://www.statcan.gc.ca/x and it says otherwise.", 1, 0),
        # Money, numbers and ordinary words of news comments are no sign of spam.
        ("The budget was $113,000 in 2016, and 1,234,567 votes were cast.", 0, 0),
        ("Pi is 3.14159265 and version 1.2.3.4567890 shipped.", 0, 0),
        ("CEO bonuses are obscene; the Nobel prize winners deserve better; free speech matters.", 0, 0),
    ],
)
def test_spam_signs(text, links, promotion):
    assert spam_signs(text) == (links, promotion)


@pytest.mark.parametrize(
    "text, links",
    [("+1" * 50_000, 0), ("1-" * 50_000, 1), ("-1" * 50_000 + "a", 1), ("1" * 100_000 + "a", 1), ("(1) " * 25_000, 0), ("$ " + "1," * 50_000, 0)],
)
def test_phone_numbers_and_money_are_found_without_backtracking(text, links):
    # bench/resources.py --only adversarial times it: "+" before every digit took 2 s on 20,000
    # characters, and "$ 1,1,1,…" 1.9 s; quadratic, so minutes here.
    found_links, promotion = without_backtracking(lambda: spam.spam_found(text))
    assert (len(found_links), promotion) == (links, [])


def test_spam_signs_stop_at_three():
    assert spam_signs(" ".join(["www.a.com"] * 10 + ["subscribe"] * 10)) == (3, 3)


def found_without_first_tests(text: str) -> tuple[list[str], list[str]]:
    """What spam_found finds when every pattern runs on every text."""
    lower = text.lower()
    links = spam.PHONE.findall(lower) + spam.EMAIL.findall(lower) + spam.URL.findall(lower)
    domains = spam.DOMAIN.findall(spam.URL.sub(" ", lower))
    return links + domains, spam.PROMOTION.findall(lower) + spam.MONEY_RATE.findall(lower)


PIECES = [*"0123456789 $£€.-()+/@ab١٢", "5550123", "€12", "$12", "£12", "12 dollars", "5 bucks", "12 usd", "12 pounds", "12 gbp", "12 euros",
          " an hour", "/month", " per day", "www.", "http://x", "a.com", ".biz", "call now ", "subscribe"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8))
def test_spam_first_tests_change_nothing(pieces):
    """The cheap tests that spare most comments a pattern never hide what the pattern finds."""
    text = "".join(pieces)
    assert spam.spam_found(text) == found_without_first_tests(text)


def features(comments):
    return whole_thread_features(WordFacts(), comments)[1]


def test_a_reply_is_compared_with_the_comment_it_answers():
    question = Comment("What is the name of the song he is playing on the piano?", id="1", thread_id="t")
    answer = Comment("The song he plays is lovely piano music.", id="2", parent_id="1", thread_id="t")
    aside = Comment("My cat knocked the plant over again this morning.", id="3", parent_id="1", thread_id="t")
    alone = Comment("Another comment with no parent at all.", id="4", thread_id="t")
    rows = features([question, answer, aside, alone])
    similarity, reply = rows[:, COLUMN["parent_similarity"]], rows[:, COLUMN["is_reply"]]
    assert similarity[1] > 0.3 and similarity[2] == 0.0
    assert np.isnan(similarity[0]) and np.isnan(similarity[3])  # no parent, no similarity
    assert list(reply) == [0, 1, 1, 0]
    assert rows[1, COLUMN["parent_evidence"]] > 0 and rows[0, COLUMN["parent_evidence"]] == 0


def test_streaming_finds_the_parent_among_earlier_comments():
    from moderation.features.context import EarlierComments, encoded_comments

    facts = WordFacts()
    earlier = EarlierComments(facts)
    question = Comment("What is the name of the song he is playing on the piano?", id="1", thread_id="t")
    earlier.add([question])
    answer = Comment("The song he plays is lovely piano music.", id="2", parent_id="1", thread_id="t")
    row = earlier.features([answer], *encoded_comments(facts, [answer]))[0]
    assert row[COLUMN["parent_similarity"]] > 0.3


def test_short_replies_and_comments_without_content_have_no_topic_of_their_own_unless_they_advertise():
    from moderation.model.pipeline import feature_frame

    comments = [
        Comment("Source?", id="a", parent_id="x"),  # a short reply
        Comment("Source?", id="b"),  # a short top-level comment keeps its word
        Comment("Great article.", id="c"),  # no content words
        Comment("Check out my channel www.spam.biz", id="d", parent_id="x"),  # short, but advertising
        Comment("The council should publish the bus route data before the vote.", id="e", parent_id="x"),
    ]
    assert list(feature_frame(comments)["own_topic"]) == [False, True, False, True, True]


def test_identity_words_carry_no_ngram():
    assert char_ngrams_of_word("gay") == () and char_ngrams_of_word("muslims") == ()
    assert char_ngrams_of_word("idiot")
    grams = word_ngrams(("as", "a", "gay", "man", "i", "agree"))
    assert grams == ["as", "a", "i", "agree", "as a", "i agree"]


def test_a_model_cannot_learn_that_naming_a_group_is_hostile():
    # Every hostile comment names a group; no other does. The model must find nothing in that.
    hostile = [Comment(f"{group} people are {insult}", id=f"h{i}{j}", thread_id=f"h{i}{j}") for i, group in enumerate(["Gay", "Muslim", "Black", "Jewish"]) for j, insult in enumerate(["vermin", "scum", "filth", "garbage"])]
    civil = [Comment(f"The {thing} opens on {day}", id=f"c{i}{j}", thread_id=f"c{i}{j}") for i, thing in enumerate(["library", "pool", "market", "park"]) for j, day in enumerate(["Monday", "Friday", "Sunday", "Tuesday"])]
    comments = hostile + civil
    Y = np.full((len(comments), len(LABELS)), np.nan)
    Y[:, LABELS.index("hostile")] = [1] * len(hostile) + [0] * len(civil)
    model = ModerationClassifier(C_grid=(1.0,), context=False, nb_weighting=False).fit(comments, Y)
    scorer = Scorer(model.arrays())
    texts = [f"As a {group} person, I think the library should open on Sunday." for group in ("gay", "Muslim", "Black", "Jewish")]
    texts.append("As a person, I think the library should open on Sunday.")
    scores = scorer.score_threads([Comment(t, thread_id=str(i)) for i, t in enumerate(texts)])[:, LABELS.index("hostile")]
    assert scores.max() - scores.min() < 1e-9  # naming a group, or none, changes nothing


def test_off_topic_weighs_what_a_comment_is_about_not_how_it_speaks():
    # Every off-topic and hostile comment addresses someone ("you"); no other does. Hostile may
    # learn that; off-topic must not (MANNER_FEATURES).
    article = "The city council votes on the new bus routes and the fare increase next week."
    addressed = [Comment(f"You are wrong about {thing}, you know it.", id=f"a{i}", thread_id="t", article=article) for i, thing in enumerate(["this", "that", "everything", "it", "most things", "all of it"])]
    plain = [Comment(f"The {thing} on the new bus routes makes sense.", id=f"p{i}", thread_id="t", article=article) for i, thing in enumerate(["vote", "plan", "fare", "change", "schedule", "map"])]
    comments = addressed + plain
    Y = np.full((len(comments), len(LABELS)), np.nan)
    for label in ("off_topic", "hostile"):
        Y[:, LABELS.index(label)] = [1] * len(addressed) + [0] * len(plain)
    arrays = ModerationClassifier(C_grid=(1.0,), nb_weighting=False).fit(comments, Y).arrays()
    coef = dict(zip(CONTEXT_FEATURES, arrays.context_coef[LABELS.index("off_topic")]))
    assert all(coef[name] == 0.0 for name in MANNER_FEATURES)
    assert coef["article_similarity"] != 0.0
    assert arrays.context_coef[LABELS.index("hostile"), CONTEXT_FEATURES.index("second_person")] > 0


def test_thresholds_at_a_reference_prevalence_flag_less_where_the_label_is_rare():
    rng = np.random.RandomState(0)
    y = np.r_[np.ones(300), np.zeros(300)]  # labeled data where half carry the label
    scores = np.clip(np.r_[rng.normal(0.65, 0.15, 300), rng.normal(0.35, 0.15, 300)], 0, 1)
    as_labeled = choose_threshold(scores, y, precision_target=0.5)
    rare = choose_threshold(scores, y, precision_target=0.5, prevalence=0.05)
    assert rare > as_labeled
    flagged, true = scores >= rare, y == 1
    # Precision counted as if one comment in 20 carried the label: reweigh the negatives.
    weighted = true[flagged].sum() * 0.05 / 300 / (true[flagged].sum() * 0.05 / 300 + (~true[flagged]).sum() * 0.95 / 300)
    assert weighted >= 0.5


@pytest.fixture(scope="module")
def judge(shipped_model):
    return Judge(shipped_model.scorer)


def thread_with(texts, parent=False):
    opening = Comment(ARTICLE.replace("The city", "I think the city"), id="0", thread_id="t", article=ARTICLE)
    return [opening] + [Comment(t, id=str(i + 1), thread_id="t", article=ARTICLE, parent_id="0" if parent else "") for i, t in enumerate(texts)]


def test_the_shipped_model_flags_spam_as_off_topic_with_or_without_an_article(judge):
    for article in (ARTICLE, ""):
        comments = [Comment(c.text, id=c.id, thread_id="t", article=article) for c in thread_with(SPAM)]
        assert all("off_topic" in v.flags for v in judge.threads(comments)[1:]), article


def test_the_shipped_model_never_flags_a_short_reply_off_topic(judge):
    verdicts = judge.threads(thread_with(SHORT_REPLIES, parent=True))
    assert [("off_topic" in v.flags) for v in verdicts[1:]] == [False] * len(SHORT_REPLIES)


def test_an_insult_of_a_public_figure_is_hostile_not_ad_hominem(judge):
    verdict = judge.threads([Comment("The mayor is a corrupt idiot.", thread_id="t")])[0]
    assert verdict.flags == ("hostile",)
    attack = judge.threads([Comment("You are an idiot and nobody wants your opinion.", thread_id="t")])[0]
    assert set(attack.flags) == {"hostile", "ad_hominem"}


def test_a_comment_in_another_language_gets_no_verdict_and_label_counts_it(tmp_path):
    source = tmp_path / "comments.csv"
    source.write_text(
        "text,id\n"
        '"Los cubanos merecen algo mejor que esta dictadura.",1\n'
        '"Eres un idiota, vete a la mierda.",2\n'
        '"这篇文章写得很好，谢谢分享。",3\n'
        '"You are an idiot and nobody wants your opinion, Carlos.",4\n',
        encoding="utf-8",
    )
    result = run_cli("label", source, "--out", tmp_path / "out.jsonl", "--quiet")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["note"] for r in records] == ["language es: not scored", "language es: not scored", "language zh: not scored", ""]
    assert [r["hostile_flag"] for r in records] == ["", "", "", 1]
    assert "written without scores: 2 (language es: not scored), 1 (language zh: not scored)" in result.stderr
    scored = run_cli("score", input="Eres un idiota, vete a la mierda.\n")
    assert json.loads(scored.stdout) == {"id": "1", "scores": dict.fromkeys(LABELS), "flags": [], "note": "language es: not scored"}
