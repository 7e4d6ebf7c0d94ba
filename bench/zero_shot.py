"""Hostility out of the box (issue 12): the shipped default model on data it never trained on.

The default model — trained on the 47 seed comments, with the hostility prior `moderation train`
folds in — is scored for hostile on OLID, Davidson, C3, Fox News and the Civil Comments posts of
ToxicSpans, against:

- the hostile word list alone: hits in ``moderation.features.wordlists.HOSTILE_WORDS`` over
  ``moderation.features.text.tokenize``;
- alt-profanity-check (trained on far more data, Davidson probably among it);
- plain TF-IDF + LR (``bench.systems.PlainBaseline``) trained on the permissive sets the prior
  is built from (Davidson, ToxicSpans, CAT, Fox News).

Zero-shot means the model never saw the evaluated set: where it is one of the prior's sets, the
default is retrained on the seed labels with a prior rebuilt without it (``bench/priors.py``),
and plain is trained without it too. Targets: ROC-AUC at least the word list's on every set, and
at least alt-profanity-check's on OLID.

``--dev`` (default) scores each set's train split; ``--final`` its test split (the reported
numbers). Writes ``zero_shot[.dev].md`` and ``.json`` to bench/results.

    nice -n 10 python bench/zero_shot.py [--dev | --final] [--quick] [--data DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import data_dir, load_datasets  # noqa: E402
from bench.priors import PRIOR_DATASETS, Priors, moderation_command, run_checked  # noqa: E402
from bench.protocol import (  # noqa: E402
    RESULTS_DIR,
    add_mode_arguments,
    capped,
    header_lines,
    mode_suffix,
    number,
    run_record,
    signed,
    write_results,
    zero_shot_rows,
    ZERO_SHOT_MODE_NOTES,
)
from bench.stats import FEW_POSITIVES, auc_with_uncertainty, bootstrap_auc_difference, needs_uncertainty  # noqa: E402
from bench.systems import PlainBaseline, comments_of, hostile_word_hits  # noqa: E402
from moderation.comments import LABELS  # noqa: E402

EVALUATED = ("olid", "davidson", "c3", "fox-news", "toxic-spans")
HOSTILE = LABELS.index("hostile")
QUICK_EVAL_ROWS = 2000
QUICK_PLAIN_ROWS = 5000
PROFANITY_CHECK_TARGET_SET = "olid"
RETRAIN_TOLERANCE = 1e-6

SYSTEM_DESCRIPTIONS = {
    "ours": "the default model: the shipped `models/default`, or, on a set the hostility prior was trained on, "
    "the same recipe retrained (`moderation train` on the seed labels) with a prior rebuilt without that set",
    "word list": "hits in `HOSTILE_WORDS` over `tokenize`, counted alone",
    "profanity-check": "alt-profanity-check `predict_prob`, as installed",
    "plain (permissive)": "word 1-2-gram + char_wb 2-5-gram TF-IDF → balanced LR (`bench.systems.PlainBaseline`), "
    "trained on every hostile-annotated row of the prior's permissive sets, minus the evaluated set",
}


class DefaultModels:
    """The default model each evaluated set gets: the shipped one, or a leave-one-dataset-out retrain."""

    def __init__(self, priors: Priors, workdir: Path):
        from moderation.model.store import load_model
        from moderation.shipped import default_model_dir

        self.priors = priors
        self.workdir = workdir
        self.shipped = load_model(default_model_dir())
        self.retrained: dict[str, object] = {}
        self.train_seconds: dict[str, float] = {}

    def for_source(self, source: str) -> tuple[object, str]:
        """The model to judge ``source`` with, and how it was made."""
        left_out = self.priors.left_out_for(source)
        if left_out is None:
            return self.shipped, "the shipped default (its prior never saw this set)"
        if left_out not in self.retrained:
            self.retrained[left_out] = self.train_default(["--prior", str(self.priors.without(left_out))], f"without-{left_out}")
        return self.retrained[left_out], f"the default recipe retrained with a prior built without {left_out}"

    def train_default(self, prior_arguments: list[str], name: str):
        """``moderation train`` on the shipped seed labels, as the shipped default was made."""
        from moderation.model.store import load_model
        from moderation.shipped import shipped_path

        folder = self.workdir / f"default-{name}"
        started = time.perf_counter()
        run_checked(
            moderation_command("train", str(shipped_path("labels")), "--model", str(folder), "--quiet", *prior_arguments),
            self.workdir,
            f"moderation train (default, {name})",
        )
        self.train_seconds[name] = time.perf_counter() - started
        return load_model(folder)


def hostile_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["hostile"].notna()].reset_index(drop=True)


def plain_training_rows(datasets: dict[str, object], left_out: str | None, quick: bool) -> pd.DataFrame:
    """Every hostile-annotated row of the prior's sets (all splits, as the prior uses them), minus ``left_out``."""
    frames = [hostile_rows(datasets[name].frame) for name in PRIOR_DATASETS if name in datasets and name != left_out]
    rows = pd.concat(frames, ignore_index=True)
    return capped(rows, QUICK_PLAIN_ROWS) if quick else rows


def profanity_check_scores(texts: list[str]) -> np.ndarray | None:
    if importlib.util.find_spec("profanity_check") is None:
        return None
    from profanity_check import predict_prob

    return np.asarray(predict_prob(texts), dtype=float)


def evaluate_set(dataset, rows: pd.DataFrame, models: DefaultModels, plain_models: dict, permissive: dict, quick: bool) -> dict:
    """Every system's hostile ROC-AUC on one set, ours' flags, and ours' margins over the rivals."""
    y = rows["hostile"].to_numpy().astype(bool)
    texts = rows["text"].tolist()
    comments = comments_of(rows)
    model, how = models.for_source(dataset.source)
    threshold = model.thresholds["hostile"]
    scores = {"ours": model.scorer.score_threads(comments)[:, HOSTILE], "word list": hostile_word_hits(texts)}
    profanity = profanity_check_scores(texts)
    if profanity is not None:
        scores["profanity-check"] = profanity
    left_out = dataset.source if dataset.source in PRIOR_DATASETS else None
    if left_out not in plain_models:
        started = time.perf_counter()
        plain = PlainBaseline()
        plain.fit(plain_training_rows(permissive, left_out, quick), ["hostile"])
        plain_models[left_out] = (plain, time.perf_counter() - started)
        print(f"plain (permissive, without {left_out or 'nothing'}): fit {plain_models[left_out][1]:.0f} s", file=sys.stderr)
    scores["plain (permissive)"] = plain_models[left_out][0].score(rows)["hostile"]
    reference = None
    if model is not models.shipped:
        # The shipped default's own score, for scale: its prior saw this set, so it is not zero-shot.
        reference = auc_with_uncertainty(y, models.shipped.scorer.score_threads(comments)[:, HOSTILE])

    systems = {name: auc_with_uncertainty(y, values) for name, values in scores.items()}
    flags = scores["ours"] >= threshold
    groups = rows["thread_id"].to_numpy()
    margins = {}
    for rival in scores:
        if rival != "ours":
            low, high = bootstrap_auc_difference(y, scores["ours"], scores[rival], groups)
            margins[rival] = {"roc_auc": systems["ours"]["roc_auc"] - systems[rival]["roc_auc"], "ci_low": low, "ci_high": high}
    return {
        "dataset": dataset.name,
        "rows": len(rows),
        "positives": int(y.sum()),
        "ours_model": how,
        "plain_trained_without": left_out,
        "systems": systems,
        "shipped_not_zero_shot": reference,
        "margins": margins,
        "ours_flags": {
            "threshold": threshold,
            "flagged": int(flags.sum()),
            "recall": float(flags[y].mean()) if y.any() else math.nan,
            "precision": float(y[flags].mean()) if flags.any() else math.nan,
        },
    }


def targets(entries: list[dict]) -> list[dict]:
    """Ours ≥ the word list on every set; ours ≥ alt-profanity-check on OLID."""
    checks = []
    for entry in entries:
        rivals = ["word list"] + (["profanity-check"] if entry["dataset"] == PROFANITY_CHECK_TARGET_SET else [])
        for rival in rivals:
            margin = entry["margins"].get(rival)
            check = {"target": f"{entry['dataset']}: ours ≥ {rival}", "dataset": entry["dataset"], "rival": rival}
            if margin is None:
                checks.append({**check, "result": "not measured"})
                continue
            checks.append(
                {
                    **check,
                    "ours": entry["systems"]["ours"]["roc_auc"],
                    "rival_value": entry["systems"][rival]["roc_auc"],
                    "margin": margin,
                    "result": "met" if margin["roc_auc"] >= 0 else "missed",
                }
            )
    return checks


# --- Markdown -----------------------------------------------------------------------------------


def auc_text(result: dict | None) -> str:
    if result is None:
        return "–"
    text = number(result["roc_auc"])
    if needs_uncertainty(result["positives"], result["negatives"]):
        text += f" ± {1.96 * result['roc_auc_se']:.3f}"
    return text


def report_markdown(report: dict) -> str:
    run = report["run"]
    part = "train split" if run["mode"] == "dev" else "test split"
    systems = list(SYSTEM_DESCRIPTIONS)
    lines = header_lines("Zero-shot hostility", run, f"zero_shot{mode_suffix(run['mode'])}.json", ZERO_SHOT_MODE_NOTES)
    lines += [
        f"Hostile ROC-AUC on each set's {part}, which no system was trained on; ± is the 95 % interval "
        f"(Hanley–McNeil) of an AUC with fewer than {FEW_POSITIVES} examples of a class. Best per row in bold.",
        "",
        f"| set | {part} rows (hostile) | " + " | ".join(systems) + " | ours flags (recall, precision) |",
        "|---|---|" + "---:|" * len(systems) + "---|",
    ]
    for entry in report["sets"]:
        best = max(result["roc_auc"] for result in entry["systems"].values())
        cells = []
        for name in systems:
            result = entry["systems"].get(name)
            cell = auc_text(result)
            cells.append(f"**{cell}**" if result and result["roc_auc"] == best else cell)
        flags = entry["ours_flags"]
        flagged = f"{flags['flagged']:,} of {entry['rows']:,} ({number(flags['recall'], 2)}, {number(flags['precision'], 2)})"
        lines.append(f"| {entry['dataset']} | {entry['rows']:,} ({entry['positives']:,}) | " + " | ".join(cells) + f" | {flagged} |")
    lines += ["", "## Targets", "", "| target | ours | rival | ours − rival (95 % CI) | result |", "|---|---:|---:|---|---|"]
    for check in report["targets"]:
        if check["result"] == "not measured":
            lines.append(f"| {check['target']} | – | – | – | not measured |")
            continue
        margin = check["margin"]
        interval = f"{signed(margin['roc_auc'])} ({signed(margin['ci_low'])} … {signed(margin['ci_high'])})"
        result = check["result"] if check["result"] == "met" else f"**{check['result']}**"
        lines.append(f"| {check['target']} | {number(check['ours'])} | {number(check['rival_value'])} | {interval} | {result} |")
    lines += [
        "",
        "Margins carry a 95 % paired bootstrap interval (1,000 resamples of whole threads; C3 by article). OLID here "
        "is a split of OLID's training file, not its official test set, where the issue measured alt-profanity-check "
        "at 0.84.",
        "",
        "## How each set was judged",
        "",
    ]
    for entry in report["sets"]:
        left_out = entry["plain_trained_without"]
        plain = f"plain trained without {left_out}" if left_out else "plain trained on all the permissive sets (none of them is this set)"
        line = f"- {entry['dataset']}: ours = {entry['ours_model']}; {plain}."
        if entry["shipped_not_zero_shot"]:
            line += f" The shipped default itself, whose prior saw this set (not zero-shot): {auc_text(entry['shipped_not_zero_shot'])}."
        lines.append(line)
    lines += ["", "Systems:", "", *(f"- **{name}**: {text}." for name, text in SYSTEM_DESCRIPTIONS.items()), ""]
    if report.get("retrain_check"):
        check = report["retrain_check"]
        if check["max_abs_difference"] <= RETRAIN_TOLERANCE:
            verdict = "so the retrained rows judge the same recipe as the shipped rows"
        else:
            verdict = "**so the shipped file is not what its recipe trains today: retrain it, or read the retrained rows as another model**"
        lines += [
            f"Retraining the default with the shipped prior gives hostile scores within {check['max_abs_difference']:.1e} of "
            f"the shipped model's (on {check['rows']:,} {check['dataset']} comments), {verdict}.",
            "",
        ]
    seconds = ", ".join(f"{name} {value:.0f} s" for name, value in report["prior_build_seconds"].items())
    lines.append(f"Total run time: {report['total_seconds']:.0f} s" + (f" (building priors: {seconds})." if seconds else "."))
    return "\n".join(lines) + "\n"


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.add_argument("--data", help="the data dir (default: shared/data beside the repository)")
    parser.add_argument("--quick", action="store_true", help=f"at most {QUICK_EVAL_ROWS:,} rows per set and {QUICK_PLAIN_ROWS:,} plain training rows")
    parser.add_argument("--prior-cache", type=Path, help="where priors rebuilt without one set are kept (default: ~/.cache/moderation-bench/priors)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where the results go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    started = time.perf_counter()
    directory = data_dir(args.data)
    if directory is None:
        print(f"{args.data or 'shared/data'} not found: zero-shot benchmark skipped")
        return 0
    loaded = {dataset.name: dataset for dataset in load_datasets(directory, sorted(set(EVALUATED) | set(PRIOR_DATASETS)))}
    evaluated = [loaded[name] for name in EVALUATED if name in loaded]
    if not evaluated:
        print(f"no evaluation set in {directory}: zero-shot benchmark skipped")
        return 0

    report = {"run": run_record("bench/zero_shot.py", argv, args.mode, args.quick), "sets": []}
    priors = Priors(directory, args.prior_cache)
    plain_models: dict = {}
    with tempfile.TemporaryDirectory(prefix="moderation-zero-shot-") as workdir:
        models = DefaultModels(priors, Path(workdir))
        for dataset in evaluated:
            rows = hostile_rows(zero_shot_rows(dataset, args.mode))
            rows = capped(rows, QUICK_EVAL_ROWS) if args.quick else rows
            entry = evaluate_set(dataset, rows, models, plain_models, loaded, args.quick)
            report["sets"].append(entry)
            print(f"{dataset.name}: " + ", ".join(f"{name} {number(r['roc_auc'])}" for name, r in entry["systems"].items()), file=sys.stderr)
        if models.retrained:
            report["retrain_check"] = retrain_check(models, loaded, args.mode)
        report["default_train_seconds"] = models.train_seconds
    report["targets"] = targets(report["sets"])
    report["plain_fit_seconds"] = {str(key): seconds for key, (_, seconds) in plain_models.items()}
    report["prior_build_seconds"] = priors.built_seconds
    report["total_seconds"] = time.perf_counter() - started

    markdown = report_markdown(report)
    write_results(args.out, "zero_shot", args.mode, report, markdown)
    print(markdown, end="")
    return 0


def retrain_check(models: DefaultModels, loaded: dict, mode: str) -> dict:
    """Whether ``moderation train`` on the seed labels with the shipped prior gives the shipped model,
    so that the leave-one-dataset-out retrains and the shipped file judge one recipe."""
    retrained = models.train_default([], "shipped-prior")
    name = next(name for name in EVALUATED if name in loaded)
    rows = capped(hostile_rows(zero_shot_rows(loaded[name], mode)), QUICK_EVAL_ROWS)
    comments = comments_of(rows)
    difference = np.abs(retrained.scorer.score_threads(comments) - models.shipped.scorer.score_threads(comments))
    return {"dataset": name, "rows": len(rows), "max_abs_difference": float(np.nanmax(difference[:, HOSTILE]))}


if __name__ == "__main__":
    sys.exit(main())
