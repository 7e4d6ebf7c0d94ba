"""Explanations name the words of the comment (moderation.model.explanations), and commands
write them: ``score --explain``, ``label --explain`` (CSV and JSON Lines), review's reasons;
``label --article`` gives comments without an article one."""

import csv
import json

import numpy as np
import pytest

from moderation.comments import LABELS, Comment
from moderation.commands.explanations import explanation_text
from moderation.commands.label import label_file
from moderation.commands.score import score_lines
from moderation.features.text import tokenize, word_ngrams
from moderation.io.readers import ReadOptions
from moderation.model.explanations import BlockTerms, Reason, reasons
from moderation.model.verdicts import Judge
from moderation.review.highlights import reason


def block(name: str, *terms: tuple[str, float, float]) -> BlockTerms:
    """A block's terms: (name, value, weight) each."""
    return BlockTerms(name, [t[0] for t in terms], np.array([t[1] for t in terms]), np.array([t[2] for t in terms]))


def test_a_char_ngram_is_shared_among_the_words_that_hold_it():
    parts = [block("char", ("hoe", 0.2, 0.9), ("zzz", 0.1, 0.05)), block("prior_char", ("hoe", 0.1, 0.3), (" bi", 0.1, 0.4))]
    found = {r.feature: r for r in reasons(parts, "Whoever rode the bike, whoever… a hoe", top=None)}
    # "hoe" is in " whoever " twice (two occurrences of the word) and in " hoe " once.
    assert found["whoever"].weight == pytest.approx(1.2 * 2 / 3) and found["hoe"].weight == pytest.approx(1.2 / 3)
    assert found["bike"].weight == pytest.approx(0.4)
    assert found["chars 'zzz'"] == Reason("chars 'zzz'", 0.05, in_text=False)  # in no word of the text: named as it is
    assert sum(r.weight for r in found.values()) == pytest.approx(0.9 + 0.05 + 0.3 + 0.4)


def test_a_word_list_feature_names_the_words_it_matched():
    text = "You idiot, you absolute moron."
    more = [block("context", ("hostile_words", 1.3, 2.0)), block("word", ("idiot", 0.4, 0.5))]
    found = {r.feature: r for r in reasons(more, text, top=None)}
    assert found["idiot"] == Reason("idiot", 1.5, ("hostile_words",)) and found["moron"] == Reason("moron", 1.0, ("hostile_words",))
    # Fewer listed words than the average comment: their absence is the reason, not a word.
    fewer = reasons([block("context", ("hostile_words", -0.4, 0.7))], text, top=None)
    assert fewer == [Reason("context hostile_words", 0.7, in_text=False)]


def test_phrases_of_a_list_and_unknown_context_features():
    parts = [
        block("context", ("addresses_group", 2.0, 0.6), ("promotion", 1.5, 0.8), ("length", -1.0, -0.2)),  # no finder for promotion
        block("word", ("you people", 0.3, 0.1)),
    ]
    found = reasons(parts, "Come on, all of you people are wrong", top=2)
    assert found == [Reason("context promotion", 0.8, in_text=False), Reason("all of you", 0.6, ("addresses_group",))]


def test_contributions_name_every_feature(shipped_model, seed_comments):
    scorer = shipped_model.scorer
    rows = scorer.thread_features(seed_comments[:3])
    parts = scorer.contributions(rows, 0, "hostile")
    names = {p.block: p.feature for p in parts}
    assert names["context"].startswith("context ") and names["char"].startswith("chars '") and names["prior_char"].startswith("prior: chars '")
    assert sum(p.weight for p in parts) == pytest.approx(scorer.decisions(rows)[0, 1] - scorer.arrays.intercept[1], abs=1e-9)


def test_every_comment_is_explained_in_its_words_and_the_terms_sum_to_the_decision(shipped_model, seed_comments):
    scorer = shipped_model.scorer
    rows = scorer.thread_features(seed_comments)
    decisions = scorer.decisions(rows) - scorer.arrays.intercept
    for row, comment in enumerate(seed_comments):
        words = set(word_ngrams(tokenize(comment.text)))
        for j, label in enumerate(LABELS):
            everything = scorer.explain(rows, row, label, comment.text, top=None)
            assert sum(r.weight for r in everything) == pytest.approx(decisions[row, j], abs=1e-9)
            in_text = [r for r in everything if r.in_text]
            listed = [r for r in in_text if r.feature not in words]  # phrases of a list ("all of you"), links
            assert all(r.matched and set(r.matched) <= {"addresses_group", "links", "promotion"} for r in listed), listed
            assert all(r.feature.startswith("context ") for r in everything if not r.in_text)
            assert len({r.feature for r in everything}) == len(everything)  # each word once


def test_score_explain_names_whole_words_and_the_list_entry(shipped_model, tmp_path):
    source = tmp_path / "comments.txt"
    source.write_text("Whoever rides a bike to work here is a complete idiot, all of you people.\n", encoding="utf-8")
    records = []
    score_lines(source, shipped_model, {}, records.append, explain=True)
    explained = records[0]["explain"]
    assert "hostile" in explained, records[0]
    words = set(word_ngrams(tokenize(source.read_text(encoding="utf-8"))))
    for label, features in explained.items():
        assert all(f["feature"] in words or f["feature"].startswith("context ") or f.get("matched") for f in features), features
        assert not any("chars" in f["feature"] or "prior:" in f["feature"] for f in features)
    idiot = next(f for f in explained["hostile"] if f["feature"] == "idiot")
    assert idiot["matched"] == ["hostile_words"]


def test_label_explain_writes_a_readable_cell_and_a_json_field(shipped_model, tmp_path):
    source = tmp_path / "comments.csv"
    source.write_text('id,text\n1,"You are an idiot, and ""nobody"" wants your opinion."\n2,The council met on Tuesday.\n', encoding="utf-8")
    label_file(source, tmp_path / "plain.csv", shipped_model, {}, quiet=True)
    with (tmp_path / "plain.csv").open(encoding="utf-8", newline="") as stream:
        assert "explain" not in next(csv.reader(stream))  # explanations only when asked

    label_file(source, tmp_path / "out.csv", shipped_model, {}, quiet=True, explain=True)
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0])[-2:] == ["explain", "note"]
    assert rows[0]["hostile_flag"] == "1" and rows[0]["explain"].startswith('hostile: "idiot" (hostile words), ')
    for row in rows:  # one part per flag, in LABELS order; an empty cell without flags
        flagged = [label for label in LABELS if row[f"{label}_flag"] == "1"]
        assert [part.split(": ")[0] for part in row["explain"].split("; ") if part] == flagged

    label_file(source, tmp_path / "out.jsonl", shipped_model, {}, quiet=True, explain=True)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records[0]["explain"]["hostile"][0] == {"feature": "idiot", "weight": pytest.approx(records[0]["explain"]["hostile"][0]["weight"]), "matched": ["hostile_words"]}
    assert list(records[1]["explain"]) == [label for label in LABELS if records[1][f"{label}_flag"]]
    verdict = Judge(shipped_model.scorer, explain=True).threads([Comment(rows[0]["text"], "1")])[0]
    assert rows[0]["explain"] == explanation_text(verdict.explanation)


def test_an_explanation_cell_quotes_what_the_comment_holds():
    explanation = {"hostile": [Reason('idiot"; ad_hominem: x', 1.0), Reason("context length", 0.2, in_text=False)]}
    assert explanation_text(explanation) == 'hostile: "idiot\\"; ad_hominem: x", context length'


def test_label_article_is_the_article_of_comments_without_one(shipped_model, tmp_path):
    article = "Cuba and North Korea: the embargo, the visit and what the two governments said."
    (tmp_path / "article.txt").write_text(article, encoding="utf-8")
    texts = ["The embargo and the visit make sense for both governments.", "My cat likes the new sofa."]
    with (tmp_path / "bare.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([["id", "text"], *[[str(n), text] for n, text in enumerate(texts)]])
    with (tmp_path / "with.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([["id", "text", "article"], ["0", texts[0], ""], ["1", texts[1], "An article of its own about sofas."]])

    def scores(name: str, options: ReadOptions = ReadOptions()) -> list[str]:
        label_file(tmp_path / name, tmp_path / f"{name}.out.csv", shipped_model, {}, options, quiet=True)
        with (tmp_path / f"{name}.out.csv").open(encoding="utf-8", newline="") as stream:
            return [row["off_topic_score"] for row in csv.DictReader(stream)]

    bare, given = scores("bare.csv"), scores("bare.csv", ReadOptions(article=article))
    assert bare != given
    # Given to every comment without one, as an article column would give it; a comment's own article is kept.
    with (tmp_path / "all.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([["id", "text", "article"], *[[str(n), text, article] for n, text in enumerate(texts)]])
    assert given == scores("all.csv")
    mixed = scores("with.csv", ReadOptions(article=article))
    assert mixed[0] == given[0] and mixed[1] != given[1]


def test_review_reasons_say_which_list_matched_a_word():
    assert reason("idiot", True, ("hostile_words",)) == "“idiot”: insults or profanity from the word list"
    assert reason("all of you", True, ("addresses_group",)).startswith("“all of you”: addresses the commenters as a group")
    assert reason("nobody") == "“nobody”"


def test_label_workers_explain_when_asked(shipped_model, seed_comments):
    import pickle

    from moderation.commands.label_workers import BatchScorer

    worker = pickle.loads(pickle.dumps(BatchScorer(shipped_model, explain=True)))  # as a worker process receives it
    verdicts = worker(seed_comments, True)
    assert all(set(v.explanation) == set(v.flags) for v in verdicts)
    assert all(v.explanation is None for v in pickle.loads(pickle.dumps(BatchScorer(shipped_model)))(seed_comments, True))
