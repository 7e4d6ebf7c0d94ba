"""Site trust (issue 16): the shipped model, untouched, on sites it never saw.

What a moderator acts on is the flags, so each case reports precision and recall at the default
thresholds (and flags per true positive) beside ROC-AUC:

- **c3**: news comments (The Globe and Mail), each article a thread without its text. A comment
  is positive when at least a third of its raters marked it (hostile: a mean rating of at least
  "mildly toxic"); the raters' majority is reported too.
- **semeval**: forum answers (Qatar Living) with the question as the article; off_topic = "Bad".
- **olid**: tweets, each its own thread; hostile = offensive, ad_hominem = an insult aimed at
  an individual (OLID's IND).
- **spam**: real spam (the YouTube Spam Collection's, CC BY 4.0, under the one video the shipped
  models never learned from) placed as top-level comments into C3 threads (no article) and into
  SFU CTC threads (with the article's title): the share flagged off_topic.
- **casual**: ordinary threads, where few comments are off topic: the non-spam comments under
  that video (its title as the article), and Reddit threads of CMV (debates: nearly every comment
  is on topic): the share flagged off_topic.
- **replies**: short replies ("Source?", "This.", "lol", …) to on-topic C3 comments: the share
  flagged off_topic (the guidelines, off_topic rule 2 and 7: none should be).
- **identity**: non-toxic comments that name an identity group against ones that name none
  (Wikipedia talk comments of CAT, Civil Comments posts of ToxicSpans, and templates written
  here): hostile flag rates and their ratio.
- **languages**: comments in other languages placed into C3 threads: the share given a verdict
  (flags) instead of a "not scored" note.

Every case runs ``moderation label`` on a CSV, so the same script measures any version of the
tool: ``--moderation /path/to/other/venv/bin/moderation`` gives the "before" row of a change.

``--dev`` (default) uses C3's, SemEval's and OLID's train splits; ``--final`` their test splits
(read once per release). Writes ``site_trust[.dev].md`` and ``.json`` to bench/results.

    nice -n 10 python bench/site_trust.py [--dev | --final] [--model DIR] [--moderation CMD] [--name NAME]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import C3_FILE, data_dir, load_datasets, read_all_strings, votes  # noqa: E402
from bench.protocol import RESULTS_DIR, add_mode_arguments, header_lines, number, run_record, write_results  # noqa: E402

EVALUATION_VIDEO = "09-pRpeEdMmmQ0"
"""The YouTube video whose comments no shipped model learned from (``EVALUATION_VIDEO`` in
models/build.py): its spam and its other comments are what the spam and casual cases use."""

LABELS = ("off_topic", "hostile", "ad_hominem")
SEED = 20261205
SHORT_REPLIES = (
    "Source?",
    "This.",
    "lol",
    "Exactly what I was going to say.",
    "Thanks!",
    "Dead hahaha",
    "Agreed.",
    "Why?",
    "Good point, never thought of it that way.",
    "Nope.",
)
IDENTITY = re.compile(
    r"\b(?:lesbians?|gays?|bisexual|transgender|trans|queer|lgbtq?|homosexuals?|black|blacks|white|whites|african|"
    r"hispanics?|latinos?|latinas?|mexicans?|asians?|chinese|japanese|indians?|arabs?|christians?|muslims?|islam|islamic|"
    r"jews?|jewish|buddhists?|catholics?|sikhs?|hindus?|atheists?|immigrants?|refugees?|women|woman|girls?|deaf|blind|disabled|elderly)\b",
    re.IGNORECASE,
)
IDENTITY_TEMPLATES = (
    "As a {} person, I think the council should fund more buses.",
    "I am {} and I agree with this article.",
    "My neighbours are {} and they are the kindest people I know.",
    "Being {} is nothing to be ashamed of.",
    "The {} community in our town organized a food drive last week.",
    "My best friend is {} and we went hiking on Saturday.",
    "{} families pay taxes like everyone else.",
    "The article could have interviewed more {} voters.",
    "I grew up in a {} household and this story felt familiar.",
    "We need more {} doctors in rural hospitals.",
)
IDENTITY_TERMS = ("gay", "lesbian", "transgender", "Black", "white", "Hispanic", "Asian", "Muslim", "Jewish", "Christian", "Sikh", "Hindu", "deaf", "disabled", "immigrant")
CONTROL_TERMS = ("tall", "retired", "local", "busy", "friendly", "quiet", "hardworking", "rural", "happy", "ordinary")
# Comments in other languages, written for this benchmark: what a multilingual site receives.
OTHER_LANGUAGES = {
    "es": ("Los cubanos merecen algo mejor que esta dictadura.", "Eres un idiota, vete a la mierda.", "No estoy de acuerdo con el autor del artículo."),
    "fr": ("Je ne suis pas d'accord avec cet article.", "Ce gouvernement ne pense qu'à lui-même.", "Merci pour cet excellent reportage."),
    "de": ("Das ist eine sehr gute Frage, danke.", "Die Regierung hat wieder einmal versagt.", "Ich verstehe nicht, warum das erlaubt ist."),
    "pt": ("Isso é um absurdo, o governo precisa agir.", "Concordo plenamente com o comentário acima."),
    "it": ("Questo articolo è molto interessante.", "Non sono d'accordo con te, mi dispiace."),
    "zh": ("这篇文章写得很好，谢谢分享。", "我不同意你的看法。", "政府应该多关心老百姓的生活。"),
    "ru": ("Это очень интересная статья, спасибо.", "Я не согласен с автором."),
    "ar": ("هذا المقال رائع جدا", "لا أتفق مع هذا الرأي"),
    "ja": ("この記事はとても面白いです。", "私はその意見に反対です。"),
}


def c3_frame(data: Path, mode: str) -> pd.DataFrame:
    """C3 comments of the mode's split, with the labels at a third of the raters and at their majority."""
    raw = read_all_strings(data / C3_FILE)
    c3 = {d.name: d for d in load_datasets(data, ["c3"])}["c3"].frame
    constructiveness, toxicity = raw["njudgements_constructiveness_expt"].astype(float), raw["njudgements_toxicity_expt"].astype(float)
    non_relevant = raw["non_constructive_characteristics"].map(lambda v: votes(v, "non_relevant")) / constructiveness
    attack = raw["toxicity_characteristics"].map(lambda v: votes(v, "personal_attack")) / toxicity
    level = raw["crowd_toxicity_level"].astype(float)
    frame = pd.DataFrame(
        {
            "id": raw["comment_counter"],
            "thread_id": raw["article_id"],
            "author": raw["comment_author"],
            "text": raw["comment_text"],
            "off_topic": (non_relevant >= 1 / 3 - 1e-9).astype(float),
            "hostile": (level >= 2.0).astype(float),
            "ad_hominem": (attack >= 1 / 3 - 1e-9).astype(float),
            "off_topic_majority": (non_relevant > 0.5).astype(float),
            "hostile_majority": (level >= 2.5).astype(float),
            "ad_hominem_majority": (attack > 0.5).astype(float),
        }
    )
    split = dict(zip(c3["id"], c3["split"]))
    frame = frame[frame["id"].map(split) == ("train" if mode == "dev" else "test")]
    return frame[frame["text"].str.strip() != ""].reset_index(drop=True)


def split_rows(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    """A dataset's train split (dev) or test split (final)."""
    return frame[frame["split"] == ("train" if mode == "dev" else "test")].reset_index(drop=True)


class Labeler:
    """Runs ``moderation label`` on canonical rows and returns its scores, flags and notes."""

    def __init__(self, command: list[str], model: Path | None, work: Path):
        self.command, self.model, self.work = command, model, work
        self.runs = 0

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        self.runs += 1
        source, target = self.work / f"in{self.runs}.csv", self.work / f"out{self.runs}.csv"
        columns = [c for c in ("text", "id", "thread_id", "parent_id", "author", "article") if c in rows]
        # Line breaks as "\n": versions before issue 17 wrote a bare "\r" unquoted, and their
        # output would not read back row for row.
        rows = rows.assign(text=rows["text"].str.replace("\r\n?", "\n", regex=True))
        rows[columns].to_csv(source, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        command = [*self.command, "label", str(source), "--out", str(target), "--quiet"]
        if self.model is not None:
            command += ["--model", str(self.model)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"site_trust: {shlex.join(command)} failed:\n{done.stderr}")
        out = pd.read_csv(target, dtype=str, keep_default_na=False)
        if len(out) != len(rows):
            raise SystemExit(f"site_trust: label wrote {len(out)} rows for {len(rows)}")
        result = pd.DataFrame(index=rows.index)
        for label in LABELS:
            result[f"{label}_score"] = pd.to_numeric(out[f"{label}_score"], errors="coerce").to_numpy()
            result[f"{label}_flag"] = (out[f"{label}_flag"] == "1").to_numpy()
        result["note"] = out["note"].to_numpy()
        result["summary"] = done.stderr.strip().splitlines()[0] if done.stderr.strip() else ""
        return result


def quality(truth: np.ndarray, scores: np.ndarray, flags: np.ndarray) -> dict:
    """ROC-AUC, precision, recall, flags per true positive and flag rate at the default thresholds."""
    known = ~np.isnan(scores)
    truth, scores, flags = truth[known].astype(bool), scores[known], flags[known]
    true_flags = int((truth & flags).sum())
    return {
        "rows": int(len(truth)),
        "positives": int(truth.sum()),
        "roc_auc": float(roc_auc_score(truth, scores)) if 0 < truth.sum() < len(truth) else None,
        "flagged": int(flags.sum()),
        "flag_rate": float(flags.mean()) if len(flags) else None,
        "precision": true_flags / flags.sum() if flags.sum() else None,
        "recall": true_flags / truth.sum() if truth.sum() else None,
        "flags_per_true_positive": float(flags.sum() / true_flags) if true_flags else None,
    }


def place(comments: pd.DataFrame, threads: pd.DataFrame, rng: np.random.RandomState, parent: bool = False) -> pd.DataFrame:
    """``comments`` put into random threads of ``threads`` (as replies to a random comment of
    the thread with ``parent``), after the thread's own comments."""
    targets = threads.iloc[rng.randint(0, len(threads), len(comments))]
    placed = pd.DataFrame(
        {
            "text": comments["text"].to_numpy(),
            "id": [f"placed-{i}" for i in range(len(comments))],
            "thread_id": targets["thread_id"].to_numpy(),
            "author": [f"placed-author-{i}" for i in range(len(comments))],
            "parent_id": targets["id"].to_numpy() if parent else "",
            "article": targets["article"].to_numpy() if "article" in targets else "",
        }
    )
    return placed


def with_placed(threads: pd.DataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    """The threads' rows followed by the placed ones, and a column marking which are placed."""
    both = pd.concat([threads.assign(placed=False), placed.assign(placed=True)], ignore_index=True)
    return both.fillna({"parent_id": "", "article": "", "author": ""})


def cases(data: Path, mode: str, label: Labeler) -> dict:
    """Every case's numbers (see the module docstring)."""
    rng = np.random.RandomState(SEED)
    sets = {d.name: d for d in load_datasets(data, ["semeval-cqa", "olid", "youtube-spam", "sfu-ctc", "cmv", "wiki-cat", "toxic-spans"])}
    report: dict = {}

    c3 = c3_frame(data, mode)
    c3_out = label(c3)
    report["c3"] = {
        rule: {l: quality(c3[l if rule == "third" else f"{l}_majority"].to_numpy(), c3_out[f"{l}_score"].to_numpy(), c3_out[f"{l}_flag"].to_numpy()) for l in LABELS}
        for rule in ("third", "majority")
    }
    report["c3"]["any_flag_rate"] = float(c3_out[[f"{l}_flag" for l in LABELS]].any(axis=1).mean())

    semeval = split_rows(sets["semeval-cqa"].frame, mode)
    out = label(semeval)
    report["semeval"] = {"off_topic": quality(semeval["off_topic"].to_numpy(), out["off_topic_score"].to_numpy(), out["off_topic_flag"].to_numpy())}

    olid = split_rows(sets["olid"].frame, mode)
    out = label(olid)
    report["olid"] = {l: quality(olid[l].to_numpy(), out[f"{l}_score"].to_numpy(), out[f"{l}_flag"].to_numpy()) for l in ("hostile", "ad_hominem")}

    youtube = sets["youtube-spam"].frame
    youtube = youtube[youtube["thread_id"] == EVALUATION_VIDEO]  # the video no model learned from
    spam = youtube[youtube["off_topic"] == 1]
    sfu = sets["sfu-ctc"].frame.copy()
    report["spam"] = {}
    for name, threads in (("c3 threads, no article", c3.assign(article="")), ("sfu-ctc threads, article title", sfu)):
        rows = with_placed(threads, place(spam, threads, rng))
        out = label(rows)
        placed = rows["placed"].to_numpy()
        report["spam"][name] = {
            "spam": int(placed.sum()),
            "spam_flagged_off_topic": float(out["off_topic_flag"][placed].mean()),
            "thread_comments_flagged_off_topic": float(out["off_topic_flag"][~placed].mean()),
        }

    report["casual"] = {}
    titles = {
        "01-9bZkp7q19f0": "PSY - Gangnam Style (music video)",
        "04-CevxZvSJLk8": "Katy Perry - Roar (music video)",
        "07-KQ6zr6kCPj8": "LMFAO - Party Rock Anthem ft. Lauren Bennett, GoonRock (music video)",
        "08-uelHwf8o7_U": "Eminem - Love The Way You Lie ft. Rihanna (music video)",
        "09-pRpeEdMmmQ0": "Shakira - Waka Waka (This Time for Africa) (music video)",
    }
    ham = youtube[youtube["off_topic"] == 0].copy()
    ham["article"] = ham["thread_id"].map(titles).fillna("")
    cmv = sets["cmv"].frame
    for name, rows in (("youtube non-spam comments", ham), ("reddit CMV threads", cmv)):
        out = label(rows.reset_index(drop=True))
        report["casual"][name] = {"comments": len(rows), "flagged_off_topic": float(out["off_topic_flag"].mean())}

    on_topic = c3[(c3["off_topic"] == 0) & (c3["text"].str.split().str.len() >= 20)]
    replies = pd.DataFrame({"text": np.resize(np.array(SHORT_REPLIES), 10 * len(SHORT_REPLIES))})
    rows = with_placed(c3.assign(article=""), place(replies, on_topic, rng, parent=True))
    out = label(rows)
    placed = rows["placed"].to_numpy()
    report["replies"] = {
        "replies": int(placed.sum()),
        "flagged_off_topic": float(out["off_topic_flag"][placed].mean()),
        "by_text": {t: float(out["off_topic_flag"][placed & (rows["text"] == t).to_numpy()].mean()) for t in SHORT_REPLIES},
    }

    report["identity"] = {}
    for name, frame in identity_sets(sets).items():
        out = label(frame)
        report["identity"][name] = identity_rates(frame["names_group"].to_numpy(), out["hostile_flag"].to_numpy())

    other = pd.DataFrame([(code, text) for code, texts in OTHER_LANGUAGES.items() for text in texts], columns=["language", "text"])
    rows = with_placed(c3.assign(article=""), place(other, c3, rng))
    out = label(rows)
    placed = rows["placed"].to_numpy()
    scored = ~out["off_topic_score"][placed].isna().to_numpy()
    report["languages"] = {
        "comments": int(placed.sum()),
        "given_scores": float(scored.mean()),
        "given_flags": float(out[[f"{l}_flag" for l in LABELS]][placed].any(axis=1).mean()),
        "notes": sorted(set(out["note"][placed])),
        "english_comments_not_scored": float(out["off_topic_score"][~placed].isna().mean()),
    }
    return report


def ceiling(data: Path) -> dict:
    """How well a model of this kind does on C3 when it is trained *on* C3: the plain TF-IDF
    logistic regression (``bench.systems.PlainBaseline``), 5-fold cross-validated by article on
    C3's train split, with positives at a third of the raters. No shipped model can learn from
    C3 (its license is unknown): this says what its labels allow, not what we ship."""
    from sklearn.model_selection import GroupKFold

    from bench.systems import PlainBaseline

    c3 = c3_frame(data, "dev")
    texts, groups = c3["text"].tolist(), c3["thread_id"].to_numpy()
    found = {}
    for label in LABELS:
        y = c3[label].to_numpy()
        scores = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=5).split(texts, groups=groups):
            model, _ = PlainBaseline().fit_label([texts[i] for i in train], y[train])
            scores[test] = model.predict_proba([texts[i] for i in test])[:, 1]
        order = np.argsort(-scores)
        found_positives = np.cumsum(y[order])
        at_recall = int(np.searchsorted(found_positives, 0.3 * y.sum()))
        found[label] = {"roc_auc": float(roc_auc_score(y, scores)), "precision_at_recall_0.3": float(found_positives[at_recall] / (at_recall + 1))}
    return found


def identity_sets(sets: dict) -> dict[str, pd.DataFrame]:
    """Non-toxic comments, each marked whether it names an identity group: Wikipedia talk (CAT),
    Civil Comments posts (ToxicSpans) and the templates written here."""
    templates = pd.DataFrame({"text": [t.format(w) for t in IDENTITY_TEMPLATES for w in IDENTITY_TERMS + CONTROL_TERMS], "hostile": 0.0})
    templates["id"] = [str(i) for i in range(len(templates))]
    templates["thread_id"] = templates["id"]
    templates["names_group"] = [any(w in t for w in IDENTITY_TERMS) for t in templates["text"]]
    found = {}
    for name, frame in (("wikipedia talk (CAT)", sets["wiki-cat"].frame), ("civil comments (ToxicSpans)", sets["toxic-spans"].frame), ("templates", templates)):
        frame = frame[frame["hostile"] == 0].reset_index(drop=True)
        if "names_group" not in frame:
            frame = frame.assign(names_group=frame["text"].str.contains(IDENTITY).to_numpy())
        found[name] = frame
    return found


def identity_rates(group: np.ndarray, flagged: np.ndarray) -> dict:
    """Hostile flag rates of non-toxic comments that name a group and that name none, and their ratio."""
    with_group, without = float(flagged[group].mean()), float(flagged[~group].mean())
    return {
        "non_toxic_with_group": int(group.sum()),
        "flagged_with_group": with_group,
        "non_toxic_without_group": int((~group).sum()),
        "flagged_without_group": without,
        "ratio": with_group / without if without else None,
    }


def percent(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def markdown(report: dict, run: dict) -> str:
    """The results page."""
    lines = header_lines(f"Site trust ({report['name']})", run, "site_trust.json")
    lines += ["", "## Flags on news comments (C3) and other sites", "", "| set | positives by | label | rows (positive) | ROC-AUC | flagged | precision | recall | flags per true one |", "|---|---|---|---|---:|---:|---:|---:|---:|"]
    rows = [("c3", "a third of raters", report["c3"]["third"]), ("c3", "raters' majority", report["c3"]["majority"]), ("semeval", "Bad", report["semeval"]), ("olid", "OFF / IND", report["olid"])]
    for name, rule, per_label in rows:
        for label, q in per_label.items():
            lines.append(
                f"| {name} | {rule} | {label} | {q['rows']:,} ({q['positives']:,}) | {number(q['roc_auc'])} | {q['flagged']:,} ({percent(q['flag_rate'])}) "
                f"| {number(q['precision'])} | {number(q['recall'])} | {number(q['flags_per_true_positive'], 1)} |"
            )
    lines += ["", f"Comments of C3 with at least one flag: {percent(report['c3']['any_flag_rate'])}.", "", "## Spam placed in news threads", ""]
    for name, r in report["spam"].items():
        lines.append(f"- {name}: {percent(r['spam_flagged_off_topic'])} of {r['spam']:,} spam comments flagged off_topic; the threads' own comments {percent(r['thread_comments_flagged_off_topic'])}.")
    lines += ["", "## Casual threads: share flagged off_topic", ""]
    lines += [f"- {name} ({r['comments']:,} comments): {percent(r['flagged_off_topic'])}" for name, r in report["casual"].items()]
    r = report["replies"]
    lines += ["", "## Short replies to on-topic comments", "", f"{percent(r['flagged_off_topic'])} of {r['replies']} flagged off_topic: " + ", ".join(f"{t!r} {percent(v)}" for t, v in r["by_text"].items()), ""]
    lines += ["## Naming a group: hostile flags on non-toxic comments", "", "| set | with a group | flagged | without | flagged | ratio |", "|---|---:|---:|---:|---:|---:|"]
    for name, r in report["identity"].items():
        lines.append(f"| {name} | {r['non_toxic_with_group']:,} | {percent(r['flagged_with_group'])} | {r['non_toxic_without_group']:,} | {percent(r['flagged_without_group'])} | {number(r['ratio'], 2)} |")
    r = report["languages"]
    if "ceiling" in report:
        lines += ["", "## What C3's labels allow: a model trained on C3 itself", "", "The plain TF-IDF logistic regression, 5-fold cross-validated by article on C3's train split (a third of the raters):", ""]
        lines += [f"- {label}: ROC-AUC {number(r['roc_auc'])}, precision {number(r['precision_at_recall_0.3'])} at recall 0.30" for label, r in report["ceiling"].items()]
    lines += ["", "## Other languages in English threads", "", f"{r['comments']} comments in {len(OTHER_LANGUAGES)} languages: {percent(r['given_scores'])} given scores, {percent(r['given_flags'])} given flags; notes: {', '.join(repr(n) for n in r['notes'])}. English C3 comments left unscored: {percent(r['english_comments_not_scored'])}.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.add_argument("--data", default=None, help="the shared data dir (default: ../shared/data)")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: the one `moderation info` names)")
    parser.add_argument("--moderation", default=None, help="the moderation command to run (default: this Python's)")
    parser.add_argument("--name", default="this checkout", help="what is measured, for the report (e.g. 'before: main 63218fd')")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    parser.add_argument("--ceiling", action="store_true", help="also train the plain pipeline on C3 itself, cross-validated (a minute)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    if data is None:
        print("site_trust: no data dir (../shared/data); nothing measured", file=sys.stderr)
        return 0
    command = shlex.split(args.moderation) if args.moderation else [sys.executable, "-m", "moderation"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        report = cases(data, args.mode, Labeler(command, args.model, Path(work)))
    if args.ceiling:
        report["ceiling"] = ceiling(data)
    report["name"] = args.name
    report["seconds"] = round(time.perf_counter() - started, 1)
    run = run_record("bench/site_trust.py", sys.argv[1:] if argv is None else argv, args.mode, quick=False)
    stem = "site_trust" if args.name == "this checkout" else "site_trust-" + re.sub(r"\W+", "-", args.name).strip("-").lower()
    write_results(args.out, stem, args.mode, {"run": run, **report}, markdown(report, run))
    print(json.dumps({"seconds": report["seconds"], "out": str(args.out / stem)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
