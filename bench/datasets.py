"""Adapters from the public datasets under /work/shared/data to one canonical comment frame.

The data is read from the data dir at run time; nothing of it lives in this repo. Each loader
returns a ``Dataset`` whose frame has exactly ``COLUMNS``. Label columns are 1.0 / 0.0 where the
dataset annotates the label and NaN where it does not. Rows whose text is empty, [removed] or
[deleted] are dropped. Splits are fixed (seed 20261127), about 80 % train / 20 % test.

- olid: OLID v1.0 train tweets. hostile = OFF; ad_hominem = OFF+TIN+IND. Split stratified by hostile.
- davidson: Davidson 2017 tweets. hostile = class hate or offensive. Split by tweet.
- cmv: ChangeMyView final comments. ad_hominem = hostile = Rule-2 removal; 0 = delta comment.
  Split by submission. The unlabelled context comments come from ``cmv_context``.
- c3: C3 news comments. off_topic = share(non_relevant) >= .5, hostile = toxicity >= 2.5,
  ad_hominem = share(personal_attack) >= .5. Split by article.
- sfu-ctc: SFU CTC news comments. hostile = toxicity answer 3 or 4. Split by article.
- argotario: game arguments with a voted fallacy. ad_hominem = Ad Hominem, off_topic = Red Herring
  (vs. No Fallacy). Split by topic.
- fox-news: Fox News comments. hostile = hateful. Split by article.
- semeval-cqa: Qatar Living answers. off_topic = relevance Bad. Split by question thread.
- sfu-ctc-synthetic-offtopic, fox-news-synthetic-offtopic: every comment paired once with its own
  article (off_topic 0) and once with a random other article (off_topic 1). Split by comment.
- toxic-spans: Civil Comments posts of ToxicSpans (CC0). hostile = not most raters ticked "not toxic";
  ad_hominem = most raters marked an Insult span. Split by post.
- wiki-cat: Wikipedia talk comments of CAT (gc and gn files). hostile = label. Split by comment text.
- youtube-spam: YouTube comments on 5 videos. off_topic = spam (self-promotion). Split by video.

Each dataset also carries ``resplit``, its split rule as a function of any subset of its rows,
so the benchmark can split the train part again the same way (``bench/protocol.py``), and
``source``, the corpus its texts come from, so a model whose training data included that corpus
can be recognized (the hostility prior's leave-one-dataset-out rule).
"""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

def _default_data_dir() -> Path:
    """``shared/data`` beside the repository, or beside a folder above it (a git worktree such as
    ``wt/NAME`` sits one level deeper than the main checkout); the first that exists."""
    repository = Path(__file__).resolve().parent.parent
    candidates = [ancestor / "shared" / "data" for ancestor in repository.parents]
    return next((candidate for candidate in candidates if candidate.is_dir()), candidates[0])


DATA_DIR_DEFAULT = _default_data_dir()
LABELS = ("off_topic", "hostile", "ad_hominem")
STRING_COLUMNS = ["id", "thread_id", "parent_id", "author", "article", "text"]
COLUMNS = [*STRING_COLUMNS, *LABELS, "split"]

SPLIT_SEED = 20261127
TEST_SHARE = 0.2
UNUSABLE_TEXTS = {"", "[removed]", "[deleted]"}

OLID_FILE = "olid/olid-training-v1.0.tsv"
DAVIDSON_FILE = "davidson-hate-offensive/labeled_data.csv"
CMV_FILE = "cmv-ad-hominem/cmv_ah_delta_threads_flat.csv"
C3_FILE = "c3-constructive-comments/C3_anonymized.shared.csv"
SFU_FILE = "sfu-ctc/SFU_constructiveness_toxicity.csv"
ARGOTARIO_FILE = "argotario/arguments-en-2018-01-15.parsed.csv"
FOX_FILE = "fox-news-comments/fox-news-comments.json"
CQA_FILE = "semeval2016-cqa/SemEval2016-Task3-CQA-QL-train-part2.xml"
TOXIC_SPANS_COMMENTS = "toxic-spans-civil-comments/comments.csv"
TOXIC_SPANS_ANNOTATIONS = "toxic-spans-civil-comments/annotations.csv"
TOXIC_SPANS_SPANS = "toxic-spans-civil-comments/spans.csv"
WIKI_CAT_FILES = ("wiki-talk-context-toxicity/gc.csv", "wiki-talk-context-toxicity/gn.csv")
YOUTUBE_SPAM_DIR = "youtube-spam-collection"
YOUTUBE_SPAM_FIRST_FILE = YOUTUBE_SPAM_DIR + "/01-9bZkp7q19f0.csv"

# The SFU README's 10 main articles have 72-126 comments each. The 3 others (4-27 comments) are
# left out of the synthetic set: one of them is a second article on Trump's election, so
# re-pairing a comment on the first with it would not make the comment off-topic.
SFU_SYNTHETIC_MIN_COMMENTS = 50


@dataclass(frozen=True)
class Dataset:
    name: str
    frame: pd.DataFrame  # exactly COLUMNS, one row per comment
    labels: tuple[str, ...]  # the labels this dataset annotates
    split_rule: str  # one sentence for BENCHMARKS.md
    mapping: str  # one sentence for BENCHMARKS.md
    # The split rule as a function: rows of this dataset (any subset) -> "train"/"test" per row.
    resplit: Callable[[pd.DataFrame], np.ndarray]
    source: str  # the corpus the texts come from (a synthetic set shares its source's)


def data_dir(path: str | Path | None = None) -> Path | None:
    """The data dir (default: ``DATA_DIR_DEFAULT``) if it exists, else None."""
    directory = Path(path) if path is not None else DATA_DIR_DEFAULT
    return directory if directory.is_dir() else None


# --- splits -------------------------------------------------------------------------------------
# np.random.RandomState is used because its streams are frozen across numpy versions, so the
# splits are the same on every system.


def _test_groups(groups: pd.Series) -> set[str]:
    """The test groups: a seeded shuffle of the distinct groups, cut where they hold closest to
    TEST_SHARE of the rows."""
    sizes = groups.value_counts().sort_index()
    order = np.random.RandomState(SPLIT_SEED).permutation(len(sizes))
    test_share = sizes.iloc[order].cumsum().to_numpy() / len(groups)
    cut = int(np.argmin(np.abs(test_share - TEST_SHARE))) + 1
    return set(sizes.index[order[:cut]])


def _split_by_group(groups: pd.Series) -> np.ndarray:
    return np.where(groups.isin(_test_groups(groups)), "test", "train")


def _group_split_rule(groups: str) -> str:
    return (
        f"Grouped by {groups}: after a shuffle seeded with {SPLIT_SEED}, the leading groups go whole to test "
        f"until it is closest to {TEST_SHARE:.0%} of the rows, so no group is on both sides."
    )


def _split_stratified(strata: pd.Series) -> np.ndarray:
    """TEST_SHARE of the rows of each stratum, picked by a seeded shuffle, go to test."""
    rng = np.random.RandomState(SPLIT_SEED)
    is_test = np.zeros(len(strata), dtype=bool)
    for value in sorted(strata.unique()):
        rows = np.flatnonzero(strata.to_numpy() == value)
        is_test[rng.permutation(rows)[: round(TEST_SHARE * len(rows))]] = True
    return np.where(is_test, "test", "train")


# --- canonical frame ----------------------------------------------------------------------------


def _canonical(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Exactly COLUMNS (absent strings "", absent labels NaN) without rows whose text is unusable.

    Returns the frame and the number of rows dropped.
    """
    canonical = pd.DataFrame(index=frame.index)
    for column in STRING_COLUMNS:
        canonical[column] = frame[column].astype(str) if column in frame else ""
    for label in LABELS:
        canonical[label] = frame[label].astype(float) if label in frame else np.nan
    canonical["split"] = frame["split"]
    unusable = canonical["text"].str.strip().isin(UNUSABLE_TEXTS)
    return canonical[~unusable].reset_index(drop=True), int(unusable.sum())


def _dataset(
    name: str,
    frame: pd.DataFrame,
    labels: tuple[str, ...],
    split_rule: str,
    mapping: str,
    resplit: Callable[[pd.DataFrame], np.ndarray],
    source: str | None = None,
) -> Dataset:
    frame, dropped = _canonical(frame)
    if dropped:
        mapping += f" {dropped} rows whose text is empty, [removed] or [deleted] are dropped."
    return Dataset(name, frame, labels, split_rule, mapping, resplit, source or name)


def _by_thread(frame: pd.DataFrame) -> np.ndarray:
    """The split rule of datasets grouped by thread_id (article, submission, topic, ...)."""
    return _split_by_group(frame["thread_id"])


def read_all_strings(path: Path, **options) -> pd.DataFrame:
    """All cells as str; empty cells stay "" instead of NaN."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, **options)


# --- loaders ------------------------------------------------------------------------------------


def load_olid(data_dir: Path) -> Dataset:
    raw = read_all_strings(data_dir / OLID_FILE, sep="\t", quoting=csv.QUOTE_NONE)  # tweets contain quotes
    hostile = (raw["subtask_a"] == "OFF").astype(float)
    frame = pd.DataFrame(
        {
            "id": raw["id"],
            "thread_id": raw["id"],
            "text": raw["tweet"],
            "hostile": hostile,
            "ad_hominem": ((raw["subtask_b"] == "TIN") & (raw["subtask_c"] == "IND")).astype(float),
            "split": _split_stratified(hostile),
        }
    )
    return _dataset(
        "olid",
        frame,
        ("hostile", "ad_hominem"),
        f"Stratified by hostile: a shuffle seeded with {SPLIT_SEED} puts {TEST_SHARE:.0%} of the OFF and "
        f"{TEST_SHARE:.0%} of the NOT tweets of the OLID training file in test.",
        "hostile = subtask_a OFF; ad_hominem = OFF+TIN+IND (other targets, untargeted and NOT are 0); "
        "off_topic not annotated.",
        resplit=lambda rows: _split_stratified(rows["hostile"]),
    )


def load_davidson(data_dir: Path) -> Dataset:
    raw = read_all_strings(data_dir / DAVIDSON_FILE)
    tweet_id = raw.iloc[:, 0]  # the unnamed index column
    frame = pd.DataFrame(
        {
            "id": tweet_id,
            "thread_id": tweet_id,
            "text": raw["tweet"],
            "hostile": raw["class"].isin(["0", "1"]).astype(float),
            "split": _split_by_group(tweet_id),
        }
    )
    return _dataset(
        "davidson",
        frame,
        ("hostile",),
        _group_split_rule("tweet (each tweet is its own thread)"),
        "hostile = majority class hate speech or offensive language (neither = 0); "
        "off_topic and ad_hominem not annotated.",
        resplit=_by_thread,
    )


def _cmv_comments(data_dir: Path) -> tuple[pd.DataFrame, pd.Series]:
    """All CMV comments, labelled where final, with the split of their submission; and the is-final mask."""
    raw = read_all_strings(data_dir / CMV_FILE)
    # The submission's own post (first row of 63 threads) has no link_id; the rest of its thread does.
    submission = raw["link_id"].replace("", np.nan).groupby(raw["thread_file"]).transform("first")
    is_final = raw["is_final"] == "1"
    label = np.where(is_final, (raw["thread_type"] == "ah").astype(float), np.nan)
    frame = pd.DataFrame(
        {
            "id": raw["comment_name"],
            "thread_id": submission,
            "parent_id": raw["parent_id"],
            "author": raw["author_name"],
            "text": raw["body"],
            "hostile": label,
            "ad_hominem": label,
        }
    )
    # Split by submission, which keeps each thread file on one side too and also the context
    # comments that two thread files of one submission share.
    frame["split"] = np.where(frame["thread_id"].isin(_test_groups(submission[is_final])), "test", "train")
    return frame, is_final


def load_cmv(data_dir: Path) -> Dataset:
    """The final comment of each thread; see ``cmv_context`` for the comments before it."""
    frame, is_final = _cmv_comments(data_dir)
    return _dataset(
        "cmv",
        frame[is_final],
        ("hostile", "ad_hominem"),
        _group_split_rule("Reddit submission (link_id; each holds one or more thread files)"),
        "ad_hominem = hostile = final comment removed under Rule 2 (ah threads), 0 = delta-awarded final "
        "comment; off_topic not annotated.",
        resplit=_by_thread,  # thread_id is the submission
    )


def cmv_context(data_dir: Path) -> pd.DataFrame:
    """The CMV context comments (not labelled rows): COLUMNS, labels NaN, split of their submission.

    Labelled comments reach their context through parent_id. Comments shared by two threads of a
    submission appear once; [removed] ones are dropped as everywhere else. Beware: ah threads carry
    3 context comments and delta threads 2, so the amount of context alone reveals the label.
    """
    frame, is_final = _cmv_comments(data_dir)
    context, _ = _canonical(frame[~is_final].drop_duplicates("id"))
    return context


def load_c3(data_dir: Path) -> Dataset:
    raw = read_all_strings(data_dir / C3_FILE)
    constructiveness_judgements = raw["njudgements_constructiveness_expt"].astype(float)
    toxicity_judgements = raw["njudgements_toxicity_expt"].astype(float)
    non_relevant = raw["non_constructive_characteristics"].map(lambda v: votes(v, "non_relevant"))
    personal_attack = raw["toxicity_characteristics"].map(lambda v: votes(v, "personal_attack"))
    frame = pd.DataFrame(
        {
            "id": raw["comment_counter"],
            "thread_id": raw["article_id"],
            "author": raw["comment_author"],
            "text": raw["comment_text"],
            "off_topic": (non_relevant / constructiveness_judgements >= 0.5).astype(float),
            "hostile": (raw["crowd_toxicity_level"].astype(float) >= 2.5).astype(float),
            "ad_hominem": (personal_attack / toxicity_judgements >= 0.5).astype(float),
            "split": _split_by_group(raw["article_id"]),
        }
    )
    return _dataset(
        "c3",
        frame,
        LABELS,
        _group_split_rule("article (article_id)"),
        "off_topic = share of non_relevant votes >= 0.5, hostile = crowd_toxicity_level >= 2.5, "
        "ad_hominem = share of personal_attack votes >= 0.5 (shares over the expert judgement counts).",
        resplit=_by_thread,
    )


def votes(characteristics: str, name: str) -> int:
    """Votes for ``name`` in a newline-separated ``name:votes`` list (0 if absent)."""
    entries = (line.strip().rpartition(":") for line in characteristics.splitlines())
    return sum(int(votes) for characteristic, _, votes in entries if characteristic == name)


def _sfu_comments(data_dir: Path) -> pd.DataFrame:
    raw = read_all_strings(data_dir / SFU_FILE)
    return pd.DataFrame(
        {
            "id": raw["_unit_id"],
            "thread_id": raw["globe_url"].str.extract(r"article(\d+)", expand=False),
            "author": "",  # not in this export
            # Some titles carry the site name; drop it so each article has one title.
            "article": raw["title"].str.removesuffix(" - The Globe and Mail"),
            "text": raw["comment"],
            "hostile": raw["is_toxic_popular_answer_1"].isin(["3", "4"]).astype(float),
        }
    )


def load_sfu_ctc(data_dir: Path) -> Dataset:
    frame = _sfu_comments(data_dir)
    frame["split"] = _split_by_group(frame["thread_id"])
    return _dataset(
        "sfu-ctc",
        frame,
        ("hostile",),
        _group_split_rule("article (Globe and Mail article id)"),
        "hostile = most popular toxicity answer 3 (toxic) or 4 (very toxic), CrowdFlower gold rows included; "
        "off_topic and ad_hominem not annotated.",
        resplit=_by_thread,
    )


def load_sfu_ctc_synthetic_offtopic(data_dir: Path) -> Dataset:
    comments = _sfu_comments(data_dir)
    comments_per_article = comments["thread_id"].map(comments["thread_id"].value_counts())
    return _synthetic_offtopic(
        "sfu-ctc-synthetic-offtopic",
        comments[comments_per_article >= SFU_SYNTHETIC_MIN_COMMENTS],
        "the article title, over the 10 main articles",
        source="sfu-ctc",
    )


def load_argotario(data_dir: Path) -> Dataset:
    raw = read_all_strings(data_dir / ARGOTARIO_FILE)
    raw = raw[raw["Voted Fallacy"] != "-"]  # no crowd decision yet: no label at all
    fallacy = raw["Voted Fallacy"]
    # Other fallacies are no evidence either way about relevance, so they stay unlabelled for off_topic.
    off_topic = (fallacy == "Red Herring").astype(float).where(fallacy.isin(["Red Herring", "No Fallacy"]))
    frame = pd.DataFrame(
        {
            "id": raw["Mongo ID"],
            # The topic is the thread; arguments without a topic are threads of one.
            "thread_id": raw["Topic"].where(raw["Topic"] != "", raw["Mongo ID"]),
            "author": raw["Author"],
            "article": raw["Topic"],
            "text": raw["Text"],
            "off_topic": off_topic,
            "ad_hominem": (fallacy == "Ad Hominem").astype(float),
        }
    )
    frame["split"] = _split_by_group(frame["thread_id"])
    return _dataset(
        "argotario",
        frame,
        ("off_topic", "ad_hominem"),
        _group_split_rule("topic (arguments without a topic are groups of one)"),
        "Only arguments with a Voted Fallacy (not '-'); ad_hominem = Ad Hominem vs. every other vote; "
        "off_topic = Red Herring vs. No Fallacy, NaN for the other fallacies; hostile not annotated.",
        resplit=_by_thread,
    )


def _fox_comments(data_dir: Path) -> pd.DataFrame:
    with open(data_dir / FOX_FILE, encoding="utf-8") as lines:
        raw = pd.DataFrame([json.loads(line) for line in lines if line.strip()])
    return pd.DataFrame(
        {
            "id": raw.index.astype(str),  # the file has no ids: the 0-based line number
            "thread_id": raw["title"],  # 10 articles, no article id in the data
            "author": raw["user"],
            "article": raw["title"] + "\n" + raw["meta"],
            "text": raw["text"],
            "hostile": (raw["label"].astype(int) == 1).astype(float),
        }
    )


def load_fox_news(data_dir: Path) -> Dataset:
    frame = _fox_comments(data_dir)
    frame["split"] = _split_by_group(frame["thread_id"])
    return _dataset(
        "fox-news",
        frame,
        ("hostile",),
        _group_split_rule("article (title)"),
        "hostile = label 1 (hateful); off_topic and ad_hominem not annotated.",
        resplit=_by_thread,
    )


def load_fox_news_synthetic_offtopic(data_dir: Path) -> Dataset:
    return _synthetic_offtopic(
        "fox-news-synthetic-offtopic", _fox_comments(data_dir), "the article title and meta description", source="fox-news"
    )


def _synthetic_offtopic(name: str, comments: pd.DataFrame, article_description: str, source: str) -> Dataset:
    """Each comment twice: with its own article (off_topic 0) and a seeded random other one (off_topic 1).

    ``comments`` needs id, thread_id (the article), author, article and text. A row's thread_id is
    the article it is paired with.
    """
    articles = comments.drop_duplicates("thread_id").set_index("thread_id")["article"].sort_index()
    article_ids = articles.index.to_numpy()
    own_position = np.searchsorted(article_ids, comments["thread_id"].to_numpy())
    # An offset of 1 .. n-1 places is uniform over the other articles and never the own one.
    offsets = np.random.RandomState(SPLIT_SEED).randint(1, len(article_ids), size=len(comments))
    other_article_id = article_ids[(own_position + offsets) % len(article_ids)]

    base = comments[["id", "author", "text"]].assign(comment_id=comments["id"])
    own = base.assign(
        id=comments["id"] + "#own",
        thread_id=comments["thread_id"],
        article=comments["article"],
        off_topic=0.0,
    )
    repaired = base.assign(
        id=comments["id"] + "#repaired",
        thread_id=other_article_id,
        article=articles.loc[other_article_id].to_numpy(),
        off_topic=1.0,
    )
    pairs = pd.concat([own, repaired], ignore_index=True)
    pairs["split"] = np.where(pairs["comment_id"].isin(_test_groups(comments["id"])), "test", "train")
    return _dataset(
        name,
        pairs,
        ("off_topic",),
        _group_split_rule("original comment (its own and its re-paired row)"),
        f"Synthetic: each comment paired with its own article ({article_description}) is off_topic 0 and "
        f"paired with a different article drawn with seed {SPLIT_SEED} is off_topic 1; hostile and "
        "ad_hominem not annotated.",
        resplit=lambda rows: _split_by_group(_original_comment_id(rows["id"])),
        source=source,
    )


def _original_comment_id(pair_ids: pd.Series) -> pd.Series:
    """The comment a synthetic row was made from: its id without the #own / #repaired suffix."""
    return pair_ids.str.rpartition("#")[0]


def load_semeval_cqa(data_dir: Path) -> Dataset:
    rows = []
    seen_questions = set()
    for thread in ET.parse(data_dir / CQA_FILE).getroot().iter("Thread"):
        question = thread.find("RelQuestion")
        question_id = question.get("RELQ_ID")
        # Subtask-A view: each question thread once; skip copies listed under other OrgQuestions.
        if thread.get("SubtaskA_Skip_Because_Same_As_RelQuestion_ID") or question_id in seen_questions:
            continue
        seen_questions.add(question_id)
        article = (question.findtext("RelQSubject") or "") + "\n" + (question.findtext("RelQBody") or "")
        for comment in thread.findall("RelComment"):
            rows.append(
                {
                    "id": comment.get("RELC_ID"),
                    "thread_id": question_id,
                    "author": comment.get("RELC_USERNAME"),
                    "article": article,
                    "text": comment.findtext("RelCText") or "",
                    "off_topic": float(comment.get("RELC_RELEVANCE2RELQ") == "Bad"),
                }
            )
    frame = pd.DataFrame(rows)
    frame["split"] = _split_by_group(frame["thread_id"])
    return _dataset(
        "semeval-cqa",
        frame,
        ("off_topic",),
        _group_split_rule("question thread (RELQ_ID)"),
        "off_topic = RELC_RELEVANCE2RELQ Bad vs. Good or PotentiallyUseful, each question thread once "
        "(subtask-A view); hostile and ad_hominem not annotated.",
        resplit=_by_thread,
    )


def load_toxic_spans(data_dir: Path) -> Dataset:
    """Civil Comments posts (CC0) with 3-5 new rater judgements each and their toxic spans (SemEval-2021 Task 5)."""
    comments = read_all_strings(data_dir / TOXIC_SPANS_COMMENTS)
    annotations = pd.read_csv(data_dir / TOXIC_SPANS_ANNOTATIONS)
    spans = pd.read_csv(data_dir / TOXIC_SPANS_SPANS)
    not_toxic_share = annotations.groupby("comment_id")["not toxic"].mean()
    insult_annotations = set(spans.loc[spans["type"] == "Insult", "annotation"])
    insult_share = annotations["annotation"].isin(insult_annotations).groupby(annotations["comment_id"]).mean()
    comment_id = comments["comment_id"].astype(int)
    frame = pd.DataFrame(
        {
            "id": comments["comment_id"],
            "thread_id": comments["comment_id"],
            "text": comments["comment_text"],
            # Every post had already been rated toxic by Civil Comments raters; it is 0 only where
            # most of the new raters ticked "not toxic" (ties stay 1: no majority says it is fine).
            "hostile": (comment_id.map(not_toxic_share) <= 0.5).astype(float),
            "ad_hominem": (comment_id.map(insult_share) > 0.5).astype(float),
        }
    )
    frame["split"] = _by_thread(frame)
    return _dataset(
        "toxic-spans",
        frame,
        ("hostile", "ad_hominem"),
        _group_split_rule("post (each post is its own thread; no article or thread in the data)"),
        "hostile = 0 where most raters ticked 'not toxic', else 1 (every post had been rated toxic before, so "
        "the negatives are borderline); ad_hominem = most raters marked an Insult span (approximate: insults "
        "of public figures count too); off_topic not annotated.",
        resplit=_by_thread,
    )


def load_wiki_cat(data_dir: Path) -> Dataset:
    """Wikipedia talk comments of CAT, both files: gc (raters saw the parent comment) and gn (they did not)."""
    raw = pd.concat([read_all_strings(data_dir / name) for name in WIKI_CAT_FILES], ignore_index=True)
    frame = pd.DataFrame(
        {
            "id": raw["id"],
            # 13 texts are in both files; grouping by text keeps each on one side of a split.
            "thread_id": raw["text"].map(lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]),
            "text": raw["text"],
            "hostile": raw["label"].astype(float),
        }
    )
    frame["split"] = _by_thread(frame)
    return _dataset(
        "wiki-cat",
        frame,
        ("hostile",),
        _group_split_rule("comment text (a text rated in both files is one group)"),
        "hostile = label (toxic by majority) of the gc and gn files; the parent comment is not included; "
        "off_topic and ad_hominem not annotated.",
        resplit=_by_thread,
    )


def load_youtube_spam(data_dir: Path) -> Dataset:
    """YouTube comments on 5 music videos (CC BY 4.0): self-promotion spam as off_topic."""
    parts = []
    for path in sorted((data_dir / YOUTUBE_SPAM_DIR).glob("*.csv")):
        raw = read_all_strings(path)
        parts.append(
            pd.DataFrame(
                {
                    "id": raw["COMMENT_ID"],
                    "thread_id": path.stem,  # the video
                    "author": raw["AUTHOR"],
                    "text": raw["CONTENT"],
                    "off_topic": raw["CLASS"].astype(float),
                }
            )
        )
    comments = pd.concat(parts, ignore_index=True)
    duplicates = comments.duplicated()  # 3 rows repeat another row exactly, id included
    frame = comments[~duplicates].reset_index(drop=True)
    frame["split"] = _by_thread(frame)
    return _dataset(
        "youtube-spam",
        frame,
        ("off_topic",),
        _group_split_rule("video (5 videos, so one video is the test part)"),
        f"off_topic = CLASS 1 (spam: self-promotion), no video text as the article; {int(duplicates.sum())} "
        "exact duplicate rows dropped; hostile and ad_hominem not annotated.",
        resplit=_by_thread,
    )


# name -> (loader, the file it reads, relative to the data dir)
LOADERS: dict[str, tuple[Callable[[Path], Dataset], str]] = {
    "olid": (load_olid, OLID_FILE),
    "davidson": (load_davidson, DAVIDSON_FILE),
    "cmv": (load_cmv, CMV_FILE),
    "c3": (load_c3, C3_FILE),
    "sfu-ctc": (load_sfu_ctc, SFU_FILE),
    "sfu-ctc-synthetic-offtopic": (load_sfu_ctc_synthetic_offtopic, SFU_FILE),
    "argotario": (load_argotario, ARGOTARIO_FILE),
    "fox-news": (load_fox_news, FOX_FILE),
    "fox-news-synthetic-offtopic": (load_fox_news_synthetic_offtopic, FOX_FILE),
    "semeval-cqa": (load_semeval_cqa, CQA_FILE),
    "toxic-spans": (load_toxic_spans, TOXIC_SPANS_COMMENTS),
    "wiki-cat": (load_wiki_cat, WIKI_CAT_FILES[0]),
    "youtube-spam": (load_youtube_spam, YOUTUBE_SPAM_FIRST_FILE),
}


def load_datasets(data_dir: Path, names: Iterable[str] | None = None) -> list[Dataset]:
    """The named datasets (default: all) whose file is in ``data_dir``; absent ones are skipped."""
    names = list(LOADERS) if names is None else list(names)
    unknown = [name for name in names if name not in LOADERS]
    if unknown:
        raise ValueError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(LOADERS)}")
    data_dir = Path(data_dir)
    return [LOADERS[name][0](data_dir) for name in names if (data_dir / LOADERS[name][1]).is_file()]
