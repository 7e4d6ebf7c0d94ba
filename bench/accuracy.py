"""The accuracy benchmark (issue 3): our model against simple and off-the-shelf alternatives.

For every dataset of ``bench/datasets.py`` and every label it annotates, each system of
``bench/systems.py`` is fitted on the dataset's fixed train split and scored on its test split.
Writes ``accuracy.md`` (generated Markdown, also printed) and ``accuracy.json`` (all numbers) to
bench/results.

    nice python bench/accuracy.py [--data DIR] [--datasets olid,c3,...] [--systems ours,plain,...] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import LOADERS, Dataset, data_dir, load_datasets  # noqa: E402
from bench.systems import SYSTEMS, System  # noqa: E402
from moderation.model.metrics import CALIBRATION_BINS, label_metrics  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK_TRAIN_ROWS = 2000
QUICK_SEED = 20261127
TABLE_METRICS = {"roc_auc": "ROC-AUC", "average_precision": "AP", "f1": "F1", "macro_f1": "macro-F1", "brier": "Brier", "ece": "ECE"}


@dataclass(frozen=True)
class Target:
    """Ours on one dataset × label must reach ``minimum`` or beat the system ``rival``."""

    dataset: str
    label: str
    metric: str
    minimum: float | None = None
    rival: str | None = None

    def describe(self) -> str:
        goal = f"≥ {self.minimum:.2f}" if self.rival is None else f"above {self.rival}"
        return f"{self.dataset} {self.label} {TABLE_METRICS[self.metric]} {goal}"


TARGETS = [
    Target("olid", "hostile", "macro_f1", minimum=0.77),
    Target("olid", "hostile", "macro_f1", rival="profanity-check"),
    Target("olid", "hostile", "macro_f1", rival="fasttext"),
    Target("c3", "off_topic", "roc_auc", minimum=0.85),
    Target("c3", "hostile", "roc_auc", minimum=0.80),
    Target("c3", "ad_hominem", "roc_auc", minimum=0.70),
    Target("cmv", "ad_hominem", "roc_auc", rival="length-only"),
]


# --- running ------------------------------------------------------------------------------------


def split(dataset: Dataset, quick: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test rows; with ``quick``, a seeded sample of at most QUICK_TRAIN_ROWS train rows."""
    frame = dataset.frame
    train = frame[frame["split"] == "train"]
    if quick and len(train) > QUICK_TRAIN_ROWS:
        train = train.sample(n=QUICK_TRAIN_ROWS, random_state=QUICK_SEED).sort_index()
    return train.reset_index(drop=True), frame[frame["split"] == "test"].reset_index(drop=True)


def benchmark_dataset(dataset: Dataset, system_names: list[str], quick: bool = False) -> list[dict]:
    """One result per label × system: the metrics on the test rows that annotate the label."""
    train, test = split(dataset, quick)
    results = []
    for name in system_names:
        labels = [label for label in dataset.labels if label in SYSTEMS[name].labels]
        if not labels:
            continue
        # Per-label systems are fitted label by label, so their times are per label.
        batches = [labels] if SYSTEMS[name].fits_labels_jointly else [[label] for label in labels]
        for batch in batches:
            system = SYSTEMS[name]()
            started = time.perf_counter()
            system.fit(train, batch)
            fitted = time.perf_counter()
            scores = system.score(test)
            scored = time.perf_counter()
            print(f"{dataset.name} {name} {'+'.join(batch)}: fit {fitted - started:.1f} s, score {scored - fitted:.1f} s", file=sys.stderr)
            for label in batch:
                results.append(label_result(system, label, train, test, scores, fitted - started, scored - fitted))
    return results


def label_result(
    system: System,
    label: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    scores: dict[str, np.ndarray],
    train_seconds: float,
    score_seconds: float,
) -> dict:
    known = test[label].notna().to_numpy()
    result = {
        "label": label,
        "system": system.name,
        "rows_train": int(train[label].notna().sum()),
        "rows_test": int(known.sum()),
        "positives_test": int(test.loc[known, label].sum()),
        "train_seconds": train_seconds,
        "score_seconds": score_seconds,
    }
    if label not in system.thresholds:
        return {**result, "status": "not trained"}
    metrics = label_metrics(test.loc[known, label].to_numpy(), scores[label][known], system.thresholds[label])
    return {**result, "status": "ok", **metrics}


def check_target(target: Target, results: dict[tuple[str, str, str], dict]) -> dict:
    """The measured value of a target and whether it is met, decided on the unrounded numbers."""
    ours = results.get((target.dataset, target.label, "ours"))
    rival = results.get((target.dataset, target.label, target.rival)) if target.rival else None
    checked = {"target": target.describe(), "value": None, "rival_value": None, "margin": None}
    if ours is None or (target.rival and (rival is None or rival["status"] != "ok")):
        return {**checked, "result": "not measured"}
    if ours["status"] != "ok":
        return {**checked, "result": f"missed (ours {ours['status']})"}
    value = ours[target.metric]
    if target.rival is None:
        return {**checked, "value": value, "result": "met" if value >= target.minimum else "missed"}
    margin = value - rival[target.metric]
    return {**checked, "value": value, "rival_value": rival[target.metric], "margin": margin, "result": "met" if margin > 0 else "missed"}


# --- Markdown -----------------------------------------------------------------------------------


def number(value, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def truncated(value: float, toward: str) -> str:
    """Three decimals cut toward ``down`` or ``up``, so a shown value never flatters ours."""
    scaled = round(value * 1000, 6)  # 0.57 * 1000 is 569.999…
    return f"{(math.floor(scaled) if toward == 'down' else math.ceil(scaled)) / 1000:.3f}"


def dataset_markdown(dataset: Dataset, results: list[dict]) -> list[str]:
    lines = [f"## {dataset.name}", "", f"Split: {dataset.split_rule}", "", f"Mapping: {dataset.mapping}", ""]
    for label in dataset.labels:
        counts = next((r for r in results if r["label"] == label), None)
        if counts is None:
            continue  # no chosen system scores this label
        lines.append(
            f"- {label}: {counts['rows_train']:,} train rows; {counts['rows_test']:,} test rows, "
            f"{counts['positives_test']:,} positive"
        )
    lines += ["", "| label | system | " + " | ".join(TABLE_METRICS.values()) + " | train s | score s |"]
    lines.append("|---|---|" + "---:|" * (len(TABLE_METRICS) + 2))
    for label in dataset.labels:
        for result in (r for r in results if r["label"] == label):
            if result["status"] == "ok":
                cells = [number(result[metric]) for metric in TABLE_METRICS]
            else:
                cells = [result["status"], *[""] * (len(TABLE_METRICS) - 1)]
            timing = [number(result["train_seconds"], 1), number(result["score_seconds"], 2)]
            lines.append(f"| {label} | {result['system']} | " + " | ".join(cells + timing) + " |")
    return [*lines, ""]


def targets_markdown(checked: list[dict]) -> list[str]:
    lines = ["## Targets", "", "| target | measured | result |", "|---|---|---|"]
    for check in checked:
        if check["value"] is None:
            measured = "–"
        elif check["rival_value"] is None:
            measured = truncated(check["value"], "down")
        else:
            measured = (
                f"ours {truncated(check['value'], 'down')} vs. {truncated(check['rival_value'], 'up')}, "
                f"margin {truncated(check['margin'], 'down')}"
            )
        lines.append(f"| {check['target']} | {measured} | {check['result']} |")
    lines += [
        "",
        "Measured values are cut, not rounded, to three decimals in the direction that disfavours ours (ours "
        "and margins down, rivals up); met/missed is decided on the unrounded numbers.",
        "",
    ]
    return lines


def report_markdown(report: dict, datasets: list[Dataset]) -> str:
    lines = [
        "# Accuracy benchmark",
        "",
        f"Generated by `{report['command']}` on {report['code']}; do not edit by hand. "
        "All numbers are in `accuracy.json`.",
        "",
    ]
    if report["quick"]:
        lines += [f"**Quick run**: at most {QUICK_TRAIN_ROWS:,} train rows per dataset. Smoke numbers, not the benchmark.", ""]
    lines += [
        "Every system is fitted on each dataset's fixed train split and scored on its test split; rows "
        "that do not annotate a label are left out for that label. F1 and macro-F1 are at each system's "
        f"own threshold; ECE is over {CALIBRATION_BINS} equal-width score bins. Train s and score s are "
        "wall-clock seconds (`time.perf_counter`); ours fits and scores all labels of a dataset in one call, "
        "so its times are that call's, repeated on each of its label rows.",
        "",
        "Systems:",
        "",
        *(f"- **{name}**: {SYSTEMS[name].description}." for name in report["systems"]),
        "",
    ]
    results = {entry["dataset"]: entry["results"] for entry in report["datasets"]}
    for dataset in datasets:
        lines += dataset_markdown(dataset, results[dataset.name])
    lines += targets_markdown(report["targets"])
    lines.append(f"Total run time: {report['total_seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def code_version() -> str:
    """The commit the moderation code is at, so results can be tied to the code that made them."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "moderation"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes in moderation/" if changed.strip() else "")


# --- command line -------------------------------------------------------------------------------


def without_nan(value):
    """JSON has no NaN: undefined metrics become null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return value


def names(value: str, known) -> list[str]:
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="the data dir (default: ../shared/data beside the repository)")
    parser.add_argument("--datasets", type=lambda value: names(value, LOADERS), default=list(LOADERS), help="comma-separated")
    parser.add_argument("--systems", type=lambda value: names(value, SYSTEMS), default=list(SYSTEMS), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help=f"at most {QUICK_TRAIN_ROWS:,} train rows per dataset (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where accuracy.md and accuracy.json go")
    return parser.parse_args(argv)


def missing_package(systems: list[str]) -> str | None:
    """The first system whose benchmark-only package is not installed, as an error line."""
    for name in systems:
        module = SYSTEMS[name].requires
        if module and importlib.util.find_spec(module) is None:
            return f"accuracy.py: {name} needs the {module} package: pip install '.[bench]', or leave it out with --systems"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    started = time.perf_counter()
    where = args.data or "../shared/data"
    directory = data_dir(args.data)
    if directory is None:
        print(f"{where} not found: accuracy benchmark skipped")
        return 0
    datasets = load_datasets(directory, args.datasets)
    if not datasets:
        print(f"no dataset files in {where}: accuracy benchmark skipped")
        return 0
    problem = missing_package(args.systems)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    report = {
        "command": shlex.join(["python", "bench/accuracy.py", *argv]),
        "code": code_version(),
        "quick": args.quick,
        "systems": args.systems,
        "datasets": [],
    }
    by_key = {}
    for dataset in datasets:
        results = benchmark_dataset(dataset, args.systems, args.quick)
        report["datasets"].append({"dataset": dataset.name, "split_rule": dataset.split_rule, "mapping": dataset.mapping, "results": results})
        by_key.update({(dataset.name, r["label"], r["system"]): r for r in results})
    report["targets"] = [check_target(target, by_key) for target in TARGETS]
    report["total_seconds"] = time.perf_counter() - started

    markdown = report_markdown(report, datasets)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accuracy.md").write_text(markdown, encoding="utf-8")
    (args.out / "accuracy.json").write_text(json.dumps(without_nan(report), indent=2) + "\n", encoding="utf-8")
    print(markdown, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
