"""The pieces bench/speed.py measures: the comment corpus, the systems compared, child processes.

Three alternatives are compared with ``moderation``:

- the *plain pipeline*: scikit-learn TF-IDF word 1-2-grams + char_wb 2-5-grams into one
  logistic regression, the usual baseline our model extends;
- fastText supervised, on the same labels;
- alt-profanity-check, a pretrained bag-of-words linear SVM for offensive language.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from bench.datasets import LABELS, load_datasets
from moderation.commands.label import SCORE_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SEED_THREAD = ROOT / "labels" / "threads" / "havana-times-cuba-north-korea.txt"
CORPUS_COLUMNS = ["text", "id", "thread_id", "article"]
COPY_SEPARATOR = "~"
CHUNK = 1000  # texts per predict call for the in-process systems
COLD_TEXT = "some comment"


# --- the corpus ---------------------------------------------------------------------------------


@dataclass
class CorpusSource:
    frame: pd.DataFrame  # CORPUS_COLUMNS, one row per real comment
    description: str


def corpus_source(data_dir: Path | None) -> CorpusSource:
    """The C3 comments, or the seed thread's 47 when the public data is absent."""
    found = load_datasets(data_dir, ["c3"]) if data_dir is not None else []
    if found:
        frame = found[0].frame[CORPUS_COLUMNS].reset_index(drop=True)
        return CorpusSource(frame, f"C3 news comments ({len(frame):,} rows, {frame['thread_id'].nunique():,} articles)")
    from moderation.io.readers import ReadOptions, read_comments

    comments = list(read_comments(SEED_THREAD, ReadOptions(format="thread")))
    # No article: C3 rows have none either, and its 5 KB on every row would make the file
    # mostly article text.
    frame = pd.DataFrame({"text": [c.text for c in comments], "id": [c.id for c in comments], "thread_id": [c.thread_id for c in comments], "article": ""})
    return CorpusSource(frame, f"the seed thread's {len(frame)} comments (no /work/shared/data)")


def corpus_copy(source: pd.DataFrame, copy: int) -> pd.DataFrame:
    """Copy number ``copy`` of the source rows: ids and thread ids get a ``~copy`` suffix.

    Each copy is its own set of threads with the source's grouping: reusing a thread id would
    merge every copy into one thread of exact duplicates, unlike any real export.
    """
    suffix = f"{COPY_SEPARATOR}{copy}"
    return source.assign(id=source["id"] + suffix, thread_id=source["thread_id"] + suffix)


def build_corpus(source: pd.DataFrame, n: int) -> pd.DataFrame:
    """Exactly ``n`` rows: the source repeated, with unique ids (the last copy may be partial)."""
    copies = math.ceil(n / len(source))
    return pd.concat([corpus_copy(source, k) for k in range(copies)], ignore_index=True).iloc[:n]


def write_csv(frame: pd.DataFrame, path: Path, append: bool = False) -> None:
    frame.to_csv(path, index=False, mode="a" if append else "w", header=not append, lineterminator="\n")


def write_big_csv(source: pd.DataFrame, path: Path, gigabytes: float) -> int:
    """Append copies of ``source`` to a canonical CSV until it holds ``gigabytes``; returns its rows."""
    write_csv(source.iloc[:0], path)
    copies = 0
    while path.stat().st_size < gigabytes * 1e9:
        write_csv(corpus_copy(source, copies), path, append=True)
        copies += 1
    return copies * len(source)


def whole_threads(frame: pd.DataFrame, about: int) -> pd.DataFrame:
    """The first threads (in order of appearance) whose rows add up to at most ``about``; at least one."""
    sizes = frame.groupby("thread_id", sort=False).size()
    kept = sizes.index[: max(1, int((sizes.cumsum() <= about).sum()))]
    return frame[frame["thread_id"].isin(kept)]


def training_rows(data_dir: Path | None, cap: int, seed: int) -> tuple[pd.DataFrame, list[str]] | None:
    """OLID, Davidson and C3 train rows with their own labels (NaN for the rest), at most ``cap``
    of them drawn with ``seed``; and the datasets used. None when none of them is present."""
    datasets = load_datasets(data_dir, ["olid", "davidson", "c3"]) if data_dir is not None else []
    if not datasets:
        return None
    frames = []
    for dataset in datasets:
        train = dataset.frame[dataset.frame["split"] == "train"]
        # Prefixes keep ids and thread ids of different datasets apart.
        frames.append(train.assign(id=f"{dataset.name}:" + train["id"], thread_id=f"{dataset.name}:" + train["thread_id"]))
    rows = pd.concat(frames, ignore_index=True)
    if len(rows) > cap:
        rows = rows.sample(n=cap, random_state=seed).reset_index(drop=True)
    return rows[[*CORPUS_COLUMNS, *LABELS]], [d.name for d in datasets]


def write_labeled_csv(rows: pd.DataFrame, path: Path) -> None:
    """Canonical labeled CSV: labels as 1/0, empty where not annotated."""
    write_csv(rows.astype({label: "Int64" for label in LABELS}), path)


# --- comparing scores ---------------------------------------------------------------------------


def scores_by_id(path: Path) -> dict[str, list[float]]:
    """The score columns of a CSV by id; an empty cell is NaN."""
    with open(path, newline="", encoding="utf-8") as stream:
        return {row["id"]: [float(row[c]) if row[c] != "" else math.nan for c in SCORE_COLUMNS] for row in csv.DictReader(stream)}


def max_score_difference(expected: Path, actual: Path) -> float:
    """The largest absolute difference between the score columns of two CSVs, matched by id.

    A score present in one file and empty in the other counts as infinitely different; files
    with different ids are an error.
    """
    expected_scores, actual_scores = scores_by_id(expected), scores_by_id(actual)
    if expected_scores.keys() != actual_scores.keys():
        unmatched = len(expected_scores.keys() ^ actual_scores.keys())
        raise ValueError(f"{expected} and {actual} have different ids ({unmatched} in only one of them)")
    largest = 0.0
    for comment_id, wanted in expected_scores.items():
        for x, y in zip(wanted, actual_scores[comment_id]):
            if math.isnan(x) != math.isnan(y):
                return math.inf
            if not math.isnan(x):
                largest = max(largest, abs(x - y))
    return largest


def write_expected_scores(ids: list[str], scores: np.ndarray, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["id", *SCORE_COLUMNS])
        for comment_id, row in zip(ids, scores):
            writer.writerow([comment_id, *("" if math.isnan(s) else repr(float(s)) for s in row)])


# --- the systems compared -----------------------------------------------------------------------


def seed_hostile() -> tuple[list[str], np.ndarray]:
    """Texts and hostile labels of the shipped seed labels (the label the alternatives learn)."""
    from moderation.io.labeled import label_matrix, load_training_data
    from moderation.shipped import shipped_path

    comments = load_training_data([shipped_path("labels")]).comments
    y = label_matrix(comments)[:, LABELS.index("hostile")]
    known = ~np.isnan(y)
    return [c.text for c, k in zip(comments, known) if k], y[known]


def plain_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [("words", TfidfVectorizer(ngram_range=(1, 2))), ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)))]
    )
    return Pipeline([("features", features), ("classifier", LogisticRegression(max_iter=1000))])


def predict_in_chunks(predict, texts: list[str]) -> None:
    for start in range(0, len(texts), CHUNK):
        predict(texts[start : start + CHUNK])


def fasttext_line(text: str) -> str:
    """fastText reads one example per line and refuses newlines in predict."""
    return " ".join(text.split())


# Word 1-2-grams like ours, hashed into 200,000 buckets (an 80 MB model). Also a workaround:
# this fastText build diverges (NaN) with the unigram default, whose bucket count is 0.
FASTTEXT_OPTIONS = {"wordNgrams": 2, "bucket": 200_000}


def train_fasttext(texts: list[str], y: np.ndarray, workdir: Path):
    import fasttext

    path = workdir / "fasttext-train.txt"
    path.write_text("".join(f"__label__{int(label)} {fasttext_line(text)}\n" for text, label in zip(texts, y)), encoding="utf-8")
    return fasttext.train_supervised(input=str(path), verbose=0, **FASTTEXT_OPTIONS)


def fasttext_predict(model, texts: list[str]) -> None:
    model.predict([fasttext_line(t) for t in texts])


# --- child processes ----------------------------------------------------------------------------


def moderation_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "moderation", *map(str, args)]


def python_command(script: str, *args: str | Path) -> list[str]:
    return [sys.executable, "-c", script, *map(str, args)]


PLAIN_COLD_SCRIPT = f"import sys, sklearn, joblib; joblib.load(sys.argv[1]).predict_proba([{COLD_TEXT!r}])"
FASTTEXT_COLD_SCRIPT = f"import sys, fasttext; fasttext.load_model(sys.argv[1]).predict({COLD_TEXT!r})"
PROFANITY_COLD_SCRIPT = f"from profanity_check import predict_prob; predict_prob([{COLD_TEXT!r}])"
# Scoring the corpus CSV in a child process, for peak memory: each system as it is used.
FASTTEXT_SCORE_SCRIPT = """
import csv, sys, fasttext
model = fasttext.load_model(sys.argv[1])
with open(sys.argv[2], newline="", encoding="utf-8") as stream:
    texts = [" ".join(row["text"].split()) for row in csv.DictReader(stream)]
model.predict(texts)
"""
PROFANITY_SCORE_SCRIPT = f"""
import csv, sys
from profanity_check import predict_prob
with open(sys.argv[1], newline="", encoding="utf-8") as stream:
    texts = [row["text"] for row in csv.DictReader(stream)]
for start in range(0, len(texts), {CHUNK}):
    predict_prob(texts[start:start + {CHUNK}])
"""
PLAIN_SCORE_SCRIPT = f"""
import csv, sys, joblib
pipeline = joblib.load(sys.argv[1])
with open(sys.argv[2], newline="", encoding="utf-8") as stream:
    texts = [row["text"] for row in csv.DictReader(stream)]
for start in range(0, len(texts), {CHUNK}):
    pipeline.predict_proba(texts[start:start + {CHUNK}])
"""


# Runs the measured command and prints its wall time and the peak RSS of its largest process.
# That peak must come from a small, fresh parent: Linux starts a child's ru_maxrss at its
# parent's RSS (fork and exec account the old memory), so from this big process it would
# report our own size.
MEASURE_SCRIPT = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""
POLL_SECONDS = 0.05


class TreeRssPeak(threading.Thread):
    """The largest summed RSS of a process's descendants, sampled every 50 ms: ``label``
    scores on worker processes, and ru_maxrss sees only the largest one."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_bytes = 0
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(POLL_SECONDS):
            total = 0
            try:
                for process in self.root.children(recursive=True):
                    total += process.memory_info().rss
            except psutil.Error:  # a process ended while we looked
                continue
            self.peak_bytes = max(self.peak_bytes, total)

    def stop(self) -> int:
        self.finished.set()
        self.join()
        return self.peak_bytes


@dataclass
class ChildRun:
    seconds: float  # wall time, start to exit
    peak_rss_mb: float  # its processes together (sampled), or its largest one (exact) if more


def run_child(command: list[str], stdin_text: str | None = None) -> ChildRun:
    """Run ``command`` from the repo root; its wall time and peak RSS. Raises if it fails."""
    with tempfile.TemporaryFile() as errors:
        wrapper = subprocess.Popen(
            python_command(MEASURE_SCRIPT, *command), cwd=ROOT, text=True,
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
        )
        tree = TreeRssPeak(wrapper.pid)
        tree.start()
        output, _ = wrapper.communicate(stdin_text)
        tree_peak_bytes = tree.stop()
        if wrapper.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{' '.join(command)} exited with {wrapper.returncode}:\n{tail}")
    seconds, largest_kib = output.split()
    return ChildRun(float(seconds), max(int(largest_kib) * 1024, tree_peak_bytes) / 2**20)  # ru_maxrss: KiB on Linux
