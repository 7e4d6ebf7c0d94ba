"""Does `moderation annotate`'s order help? A simulated annotator on the C3 news comments.

The pool is C3's training articles (their crowd labels answer for the annotator); ROC-AUC is
measured on the held-out test articles (the fixed split by article of ``bench/datasets.py``).
The annotator answers all three labels of each comment, 20 at a time; after each 20 the model
is retrained and, in active order, the rest is re-ordered with the command's own functions
(:mod:`moderation.annotate.ordering`: smallest log-odds margin to a label's threshold first,
a share of random picks, the retrained model used per label only where its cross-validated
ROC-AUC on the answers beats the shipped model's on the same answers). Random order takes the
pool in a seeded random order. The order starts from the shipped default model's scores.

Two numbers per checkpoint: the ROC-AUC of the model trained on the first N answers alone (the
question: which order teaches a model more; 0.5 while a label has fewer than 5 positives or
negatives, as ``moderation train`` then cannot train it), and the ROC-AUC of what the session
ranks with (that model or the shipped one, per label, as the command decides).

Two learners:

- ``plain`` (default; fast, so several seeds and random shares fit in minutes): word 1–2-gram
  and char 2–5-gram TF-IDF (idf from the whole pool's text, which the annotator's input
  holds) and a class-balanced logistic regression per label with C fixed at 1, judged by 5
  stratified folds; its margin is the decision value's distance to 0 (balanced weights put the
  boundary there). It has none of the product's context features (word lists, thread).
- ``product``: exactly what the command does — answers written by the labels-file code,
  ``moderation train``'s training (cross-validated C, calibration, thresholds) through
  :mod:`moderation.annotate.moderation_access`, scoring each comment against its thread. Slow
  (training with leave-one-out below 101 labels), so it runs with fewer seeds.

    python bench/active_learning.py --seeds 3                # plain learner
    python bench/active_learning.py --learner product --seeds 1 --random-shares 0.1 --batch 50

Writes ``bench/results/active_learning[-product].{json,md,png}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import DATA_DIR_DEFAULT, data_dir, load_c3  # noqa: E402
from moderation.annotate import moderation_access  # noqa: E402
from moderation.annotate.labels_file import LabelsFile  # noqa: E402
from moderation.model.trainable import MIN_CLASS_TO_FIT, can_train  # noqa: E402
from moderation.annotate.ordering import (  # noqa: E402
    annotation_order,
    combine_models,
    prefer_learned,
    roc_auc,
    uncertainty_margin,
)

LABELS = moderation_access.LABELS
CHECKPOINTS = (50, 100, 150, 200, 250, 300, 400, 500)
REPORTED = (50, 100, 200, 500)
BATCH = 20  # the command's default --retrain-every
RESULTS = Path(__file__).resolve().parent / "results"


def comments_of(frame) -> list:
    return [
        moderation_access.Comment(text=row.text, id=str(row.id), thread_id=str(row.thread_id), author=str(row.author), article=str(row.article))
        for row in frame.itertuples()
    ]


class PlainLearner:
    """TF-IDF + balanced logistic regression on features computed once for pool and test."""

    name = "plain"

    def __init__(self, pool_texts: list[str], test_texts: list[str]):
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000)
        self.pool = sp.hstack([words.fit_transform(pool_texts), chars.fit_transform(pool_texts)]).tocsr()
        self.test = sp.hstack([words.transform(test_texts), chars.transform(test_texts)]).tocsr()

    def fit(self, rows: np.ndarray, Y: np.ndarray):
        """(pool scores, test scores, thresholds, cross-validated ROC-AUC on the labels), NaN
        for labels it cannot train."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        pool = np.full((self.pool.shape[0], len(LABELS)), np.nan)
        test = np.full((self.test.shape[0], len(LABELS)), np.nan)
        thresholds = np.full(len(LABELS), np.nan)
        cv_auc = np.full(len(LABELS), np.nan)
        for j in range(len(LABELS)):
            y = Y[rows, j]
            if min(y.sum(), len(y) - y.sum()) < MIN_CLASS_TO_FIT:  # as moderation train skips it
                continue
            model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
            oof = cross_val_predict(model, self.pool[rows], y, cv=folds, method="decision_function")
            cv_auc[j] = roc_auc(y, oof)
            fit = model.fit(self.pool[rows], y)
            pool[:, j] = 1 / (1 + np.exp(-fit.decision_function(self.pool)))
            test[:, j] = 1 / (1 + np.exp(-fit.decision_function(self.test)))
            thresholds[j] = 0.5
        return pool, test, thresholds, cv_auc


class ProductLearner:
    """The command's own path: the labels file, `moderation train`, batch scoring."""

    name = "product"

    def __init__(self, pool: list, test: list):
        self.pool_comments, self.test_comments = pool, test
        self.workspace = Path(tempfile.mkdtemp(prefix="active-learning-"))
        self.failures: list[str] = []  # trainings that failed (printed at the end)

    def fit(self, rows: np.ndarray, Y: np.ndarray):
        run = Path(tempfile.mkdtemp(dir=self.workspace))
        with LabelsFile(run / "labels.csv") as labels_file:
            labels_file.save_many(
                [(self.pool_comments[i], {label: int(Y[i, j]) for j, label in enumerate(LABELS)}) for i in rows]
            )
        missing = np.full(len(LABELS), np.nan)
        nothing = np.full((len(self.pool_comments), 3), np.nan), np.full((len(self.test_comments), 3), np.nan), missing, missing
        known = Y[rows]
        if not can_train(known.sum(axis=0), len(rows) - known.sum(axis=0)).any():
            return nothing  # the command does not start retraining yet either
        try:
            moderation_access.train_model(run / "labels.csv", run / "model", None, "bench/active_learning.py")
        except Exception as error:  # noqa: BLE001 - the command keeps its model when training fails, and so does this
            self.failures.append(f"{len(rows)} answers: {type(error).__name__}: {error}")
            return nothing
        model = moderation_access.load_model(run / "model")
        thresholds = moderation_access.thresholds(model)
        cv_auc = moderation_access.cv_roc_auc(model)
        return (
            moderation_access.score(model, self.pool_comments),
            moderation_access.score(model, self.test_comments),
            np.array([thresholds.get(label, np.nan) for label in LABELS]),
            np.array([cv_auc.get(label, np.nan) for label in LABELS]),
        )


def simulate(learner, Y_pool, Y_test, base, order: str, random_share: float, seed: int, batch: int = BATCH) -> dict[int, dict]:
    """ROC-AUC per label on the test articles at each checkpoint, for one annotator run that
    retrains after every ``batch`` answers."""
    base_pool, base_test, base_thresholds = base
    rng = np.random.default_rng(seed)
    count = len(Y_pool)
    permutation = rng.permutation(count)
    labeled: list[int] = []
    pool_scores, thresholds = base_pool, base_thresholds
    results = {}
    columns = list(range(len(LABELS)))
    while len(labeled) < CHECKPOINTS[-1]:
        step = min(batch - len(labeled) % batch, min(c for c in CHECKPOINTS if c > len(labeled)) - len(labeled))
        if order == "random":
            picked = permutation[len(labeled) : len(labeled) + step].tolist()
        else:
            taken = np.zeros(count, dtype=bool)
            taken[labeled] = True
            candidates = np.flatnonzero(~taken)
            margin = uncertainty_margin(pool_scores[candidates], thresholds, columns)
            ranked, _ = annotation_order(margin, random_share, rng)
            picked = candidates[ranked[:step]].tolist()
        labeled += picked
        at_checkpoint = len(labeled) in CHECKPOINTS
        if order == "random" and not at_checkpoint:
            continue  # the random order does not depend on the model
        if len(labeled) % batch and not at_checkpoint:
            continue
        learned_pool, learned_test, learned_thresholds, cv_auc = learner.fit(np.array(labeled), Y_pool)
        base_auc = np.array([roc_auc(Y_pool[labeled, j], base_pool[labeled, j]) for j in columns])
        use = prefer_learned(cv_auc, base_auc)  # as the command decides
        pool_scores, thresholds, _ = combine_models(base_pool, base_thresholds, learned_pool, learned_thresholds, use)
        if at_checkpoint:
            test_scores, _, used = combine_models(base_test, base_thresholds, learned_test, learned_thresholds, use)
            results[len(labeled)] = {
                # A label the labels cannot train yet ranks nothing: 0.5.
                "learned": [0.5 if np.isnan(learned_thresholds[j]) else roc_auc(Y_test[:, j], learned_test[:, j]) for j in columns],
                "in_use": [roc_auc(Y_test[:, j], test_scores[:, j]) for j in columns],
                "retrained_used": used.astype(int).tolist(),
                "positives": Y_pool[labeled].sum(axis=0).astype(int).tolist(),
            }
    return results


def labels_to_reach(curve: dict[int, float], target: float) -> int | None:
    """The first checkpoint whose mean AUC reaches ``target`` (None if none does)."""
    return next((k for k in CHECKPOINTS if curve[k] >= target), None)


def code_version() -> str:
    """The commit the benchmark runs (with a mark if files differ from it) and the starting
    model's digest: what cached runs must share to be reused."""
    import hashlib
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "moderation", "models", "labels", "bench/active_learning.py"], cwd=root, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "no-git", str(time.time())  # unknown code: never reuse
    return hashlib.sha256(f"{commit} {dirty}".encode()).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR_DEFAULT, help="the shared data folder")
    parser.add_argument("--learner", choices=("plain", "product"), default="plain")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=BATCH, help="retrain after this many answers (the command's --retrain-every)")
    parser.add_argument("--random-shares", type=float, nargs="+", default=[0.1, 0.0], help="active-order variants")
    parser.add_argument(
        "--cache", type=Path, default=None, help="JSON Lines of finished runs, reused when the benchmark is run again (default: in the temp folder)"
    )
    arguments = parser.parse_args()
    directory = data_dir(arguments.data)
    if directory is None:
        sys.exit(f"no data folder at {arguments.data}; pass --data")
    started = time.perf_counter()
    frame = load_c3(directory).frame
    pool_frame, test_frame = frame[frame.split == "train"], frame[frame.split == "test"]
    pool, test = comments_of(pool_frame), comments_of(test_frame)
    Y_pool = pool_frame[list(LABELS)].to_numpy(dtype=float)
    Y_test = test_frame[list(LABELS)].to_numpy(dtype=float)
    default = moderation_access.load_model(None)
    default_thresholds = moderation_access.thresholds(default)
    base = (
        moderation_access.score(default, pool),
        moderation_access.score(default, test),
        np.array([default_thresholds[label] for label in LABELS]),
    )
    learner = PlainLearner([c.text for c in pool], [c.text for c in test]) if arguments.learner == "plain" else ProductLearner(pool, test)
    variants = [("random", 1.0)] + [("active", share) for share in arguments.random_shares]
    # A long run on a shared machine can be stopped: finished runs are kept and reused, but only
    # by a run of the same code and the same starting model.
    cache = arguments.cache or Path(tempfile.gettempdir()) / f"active_learning-{learner.name}-batch{arguments.batch}-{code_version()}.jsonl"
    finished = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            run = json.loads(line)
            finished[run["name"], run["seed"]] = {int(k): v for k, v in run["results"].items()}
    runs: dict[str, list[dict]] = {}
    for order, share in variants:
        name = "random" if order == "random" else f"active, {share:.0%} random"
        for seed in range(arguments.seeds):
            if (name, seed) not in finished:
                t = time.perf_counter()
                finished[name, seed] = simulate(learner, Y_pool, Y_test, base, order, share, seed, arguments.batch)
                with cache.open("a", encoding="utf-8") as stream:
                    stream.write(json.dumps({"name": name, "seed": seed, "results": finished[name, seed]}) + "\n")
                print(f"{name} seed {seed}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
            runs.setdefault(name, []).append(finished[name, seed])
    summary = {
        name: {
            str(k): {
                f"{field}_{statistic}": np.round(function([r[k][field] for r in results], axis=0), 4).tolist()
                for field in ("learned", "in_use", "retrained_used", "positives")
                for statistic, function in (("mean", np.mean), ("std", np.std))
            }
            for k in CHECKPOINTS
        }
        for name, results in runs.items()
    }
    base_auc = [roc_auc(Y_test[:, j], base[1][:, j]) for j in range(len(LABELS))]
    report = {
        "learner": learner.name,
        "seeds": arguments.seeds,
        "batch": arguments.batch,
        "pool": len(pool),
        "test": len(test),
        "pool_positives": Y_pool.sum(axis=0).astype(int).tolist(),
        "test_positives": Y_test.sum(axis=0).astype(int).tolist(),
        "default_model_auc": [round(a, 4) for a in base_auc],
        "seconds": round(time.perf_counter() - started),
        "curves": summary,
    }
    suffix = "" if learner.name == "plain" else f"-{learner.name}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"active_learning{suffix}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = markdown(report)
    (RESULTS / f"active_learning{suffix}.md").write_text(table, encoding="utf-8")
    plot(report, RESULTS / f"active_learning{suffix}.png")
    print(table, end="")
    for failure in getattr(learner, "failures", []):
        print(f"training failed at {failure}", file=sys.stderr)


def markdown(report: dict) -> str:
    curves = report["curves"]

    def cell(curve, k, field, j):
        return f"{curve[str(k)][field + '_mean'][j]:.3f} ± {curve[str(k)][field + '_std'][j]:.3f}"

    lines = [
        f"Learner: {report['learner']}; retrained every {report['batch']} answers; {report['seeds']} seeds; pool {report['pool']:,} comments of C3's training articles "
        f"(positives off_topic/hostile/ad_hominem {'/'.join(map(str, report['pool_positives']))}); test {report['test']:,} comments "
        f"of held-out articles ({'/'.join(map(str, report['test_positives']))} positives). Shipped default model alone: ROC-AUC "
        + " / ".join(f"{a:.3f}" for a in report["default_model_auc"])
        + f". Run time {report['seconds']} s (runs finished by an earlier, stopped invocation are reused from its cache).",
        "",
        "ROC-AUC on the held-out articles of the model trained on the first N answers (0.5 while a label has fewer than 5 "
        "positives: nothing to train), mean ± sd over seeds:",
        "",
        "| label | order | " + " | ".join(f"{k} labels" for k in REPORTED) + " | labels to reach random's 500 |",
        "|---|---|" + "---|" * len(REPORTED) + "---|",
    ]
    for j, label in enumerate(LABELS):
        target = curves["random"]["500"]["learned_mean"][j]
        for name, curve in curves.items():
            reach = labels_to_reach({k: curve[str(k)]["learned_mean"][j] for k in CHECKPOINTS}, target)
            lines.append(f"| {label} | {name} | " + " | ".join(cell(curve, k, "learned", j) for k in REPORTED) + f" | {reach or '> 500'} |")
    lines += [
        "",
        "ROC-AUC of what the session ranks with: per label the retrained model where its cross-validated AUC on the answers "
        "beats the shipped model's on the same answers, else the shipped model (share of seeds using the retrained one in brackets):",
        "",
        "| label | order | " + " | ".join(f"{k} labels" for k in REPORTED) + " |",
        "|---|---|" + "---|" * len(REPORTED),
    ]
    for j, label in enumerate(LABELS):
        for name, curve in curves.items():
            cells = [f"{cell(curve, k, 'in_use', j)} ({curve[str(k)]['retrained_used_mean'][j]:.0%})" for k in REPORTED]
            lines.append(f"| {label} | {name} | " + " | ".join(cells) + " |")
    lines += ["", "Positives among the answers (mean over seeds), off_topic / hostile / ad_hominem:", ""]
    lines += ["| order | " + " | ".join(f"{k} labels" for k in REPORTED) + " |", "|---|" + "---|" * len(REPORTED)]
    for name, curve in curves.items():
        lines.append(f"| {name} | " + " | ".join(" / ".join(f"{p:.0f}" for p in curve[str(k)]["positives_mean"]) for k in REPORTED) + " |")
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(LABELS), figsize=(13, 4), sharex=True)
    for j, (label, axis) in enumerate(zip(LABELS, axes)):
        for name, curve in report["curves"].items():
            mean = np.array([curve[str(k)]["learned_mean"][j] for k in CHECKPOINTS])
            std = np.array([curve[str(k)]["learned_std"][j] for k in CHECKPOINTS])
            axis.plot(CHECKPOINTS, mean, marker="o", markersize=3, label=name, linestyle="--" if name == "random" else "-")
            axis.fill_between(CHECKPOINTS, mean - std, mean + std, alpha=0.12)
        axis.axhline(report["default_model_auc"][j], color="grey", linewidth=0.8, linestyle=":", label="shipped model alone")
        axis.set_title(label)
        axis.set_xlabel("labels")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("ROC-AUC of the retrained model, held-out C3")
    axes[0].legend(fontsize=8, loc="lower right")
    figure.suptitle(f"Active vs random order ({report['learner']} learner, mean ± sd over {report['seeds']} seeds)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    main()
