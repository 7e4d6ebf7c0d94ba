"""Speed and scale of ``moderation`` (issue 5): label throughput, equality with the scikit-learn
path, cold start, peak memory and training time, against a plain scikit-learn pipeline, fastText
and alt-profanity-check. Writes bench/results/speed.md and speed.json and prints the Markdown.

    nice python bench/speed.py                 # the full run: N = 200,000 comments
    python bench/speed.py --quick              # smoke run: N = 5,000, 3 cold starts, 3,000 train rows
    python bench/speed.py --only cold,train    # some sections only
    python bench/speed.py --big-gb 1           # also label a 1 GB CSV (disk and time heavy)

Every ratio comes from numbers measured in the same invocation; the absolute numbers depend
on the machine and on what else runs on it. Exits 1 if label's scores differ from the
scikit-learn path by more than 1e-6.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import LABELS, data_dir  # noqa: E402
from moderation.shipped import shipped_path  # noqa: E402
from bench.speed_systems import (  # noqa: E402
    COLD_TEXT,
    FASTTEXT_COLD_SCRIPT,
    PLAIN_COLD_SCRIPT,
    PLAIN_SCORE_SCRIPT,
    FASTTEXT_SCORE_SCRIPT,
    PROFANITY_SCORE_SCRIPT,
    PROFANITY_COLD_SCRIPT,
    ROOT,
    ChildRun,
    build_corpus,
    corpus_source,
    fasttext_predict,
    max_score_difference,
    moderation_command,
    plain_pipeline,
    predict_in_chunks,
    python_command,
    run_child,
    seed_hostile,
    train_fasttext,
    training_rows,
    whole_threads,
    write_big_csv,
    write_csv,
    write_expected_scores,
    write_labeled_csv,
)

SECTIONS = ("throughput", "equality", "cold", "rss", "train", "seed-train")
FULL = {"n": 200_000, "cold_runs": 7, "train_rows": 40_000}
QUICK = {"n": 5_000, "cold_runs": 3, "train_rows": 3_000}
EQUALITY_SAMPLE = 5_000
TOLERANCE = 1e-6
TRAIN_SEED = 20261127
TARGETS = {"throughput": 5.0, "cold": 0.35, "train_seconds": 60.0, "train_rows": 40_000, "big_rss_mb": 400.0, "seed_seconds": 5.0, "seed_loaded_ratio": 2.0}
SEED_RUNS = 3
COMPETING_PROCESSES = 2

OURS_LABEL, OURS_SCORE, OURS_TRAIN = "moderation label", "moderation score", "moderation train"
PLAIN, FASTTEXT, PROFANITY = "plain scikit-learn pipeline", "fastText", "alt-profanity-check"

STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


class Workspace:
    """What several sections share, built on first use in a temporary folder outside the repo."""

    def __init__(self, folder: Path, data: Path | None, n: int, model: Path | None):
        self.folder, self.data, self.n = folder, data, n
        self.model_args = ["--model", str(model)] if model else []

    @cached_property
    def source(self):
        return corpus_source(self.data)

    @cached_property
    def corpus(self):
        progress(f"building the corpus: {self.n:,} rows from {self.source.description}")
        return build_corpus(self.source.frame, self.n)

    @cached_property
    def corpus_csv(self) -> Path:
        path = self.folder / "corpus.csv"
        write_csv(self.corpus, path)
        return path

    @cached_property
    def texts(self) -> list[str]:
        return self.corpus["text"].tolist()

    @cached_property
    def seed(self):
        return seed_hostile()

    @cached_property
    def plain(self):
        return plain_pipeline().fit(*self.seed)

    @cached_property
    def plain_path(self) -> Path:
        import joblib

        path = self.folder / "plain.joblib"
        joblib.dump(self.plain, path)
        return path

    @cached_property
    def fasttext(self):
        return train_fasttext(*self.seed, self.folder)

    @cached_property
    def fasttext_path(self) -> Path:
        path = self.folder / "fasttext.bin"
        self.fasttext.save_model(str(path))
        return path

    @cached_property
    def label_run(self) -> ChildRun:
        """``moderation label`` on the corpus: throughput and peak RSS come from this one run."""
        corpus_csv = self.corpus_csv
        progress(f"moderation label on {self.n:,} comments")
        return run_child(moderation_command("label", corpus_csv, "--out", self.folder / "labeled.csv", *self.model_args))


# --- sections -----------------------------------------------------------------------------------


def measure_throughput(work: Workspace) -> dict:
    from profanity_check import predict_prob

    texts = work.texts
    seconds = {OURS_LABEL: work.label_run.seconds}
    plain, fasttext_model = work.plain, work.fasttext  # trained before the clocks start
    progress(f"{PLAIN}: predict_proba on {len(texts):,} comments")
    seconds[PLAIN] = timed(lambda: predict_in_chunks(plain.predict_proba, texts))
    progress(f"{FASTTEXT}: predict on {len(texts):,} comments")
    seconds[FASTTEXT] = timed(lambda: fasttext_predict(fasttext_model, texts))
    progress(f"{PROFANITY}: predict_prob on {len(texts):,} comments")
    seconds[PROFANITY] = timed(lambda: predict_in_chunks(predict_prob, texts))
    return {
        "comments": len(texts),
        "corpus": work.source.description,
        "seconds": seconds,
        "per_second": {name: len(texts) / s for name, s in seconds.items()},
        "ours_over_plain": seconds[PLAIN] / seconds[OURS_LABEL],
    }


def measure_equality(work: Workspace) -> dict:
    """``moderation label`` with a freshly trained model against the same model's scikit-learn
    ``predict_proba`` on the same comments."""
    from moderation.model.pipeline import ModerationClassifier
    from moderation.io.readers import read_comments
    from moderation.io.labeled import label_matrix, load_training_data
    from moderation.model.store import write_model
    from moderation.model.verdicts import unscorable

    progress("equality: training on the seed labels")
    seed = load_training_data([shipped_path("labels")]).comments
    # reference=True: scikit-learn's own TfidfVectorizer, the unoptimized path.
    classifier = ModerationClassifier(reference=True).fit(seed, label_matrix(seed))
    metadata = {"command": "bench/speed.py (equality check)"}
    model_dir = work.folder / "equality-model"
    write_model(model_dir, classifier.arrays(), metadata, lambda _: "# Equality-check model of bench/speed.py\n")

    sample = whole_threads(work.corpus, EQUALITY_SAMPLE)
    sample_csv, labeled_csv, expected_csv = (work.folder / f"equality-{name}.csv" for name in ("sample", "labeled", "expected"))
    write_csv(sample, sample_csv)
    progress(f"equality: moderation label on {len(sample):,} comments")
    run_child(moderation_command("label", sample_csv, "--out", labeled_csv, "--model", model_dir))
    progress("equality: scikit-learn predict_proba on the same comments")
    # Parsed by the same reader, so both sides see identical comments. A comment the product does
    # not score (another language) has no scores and is no context for the others: the same here.
    comments = list(read_comments(sample_csv))
    scored = np.array([unscorable(c) is None for c in comments])
    expected = np.full((len(comments), len(LABELS)), np.nan)
    expected[scored] = classifier.predict_proba([c for c, ok in zip(comments, scored) if ok])
    write_expected_scores([c.id for c in comments], expected, expected_csv)
    difference = max_score_difference(expected_csv, labeled_csv)
    return {
        "comments": len(sample),
        "threads": int(sample["thread_id"].nunique()),
        "max_abs_difference": difference,
        "tolerance": TOLERANCE,
        "passed": difference <= TOLERANCE,
    }


def measure_cold_start(work: Workspace, runs: int) -> dict:
    commands = {
        OURS_SCORE: (moderation_command("score", *work.model_args), COLD_TEXT + "\n"),
        PLAIN: (python_command(PLAIN_COLD_SCRIPT, work.plain_path), None),
        FASTTEXT: (python_command(FASTTEXT_COLD_SCRIPT, work.fasttext_path), None),
        PROFANITY: (python_command(PROFANITY_COLD_SCRIPT), None),
    }
    progress("cold start: one untimed warm-up run each")
    for command, stdin in commands.values():
        run_child(command, stdin)
    seconds = {name: [] for name in commands}
    names = list(commands)
    for round_ in range(runs):
        progress(f"cold start: round {round_ + 1} of {runs}")
        # Rotate the order each round so no system always runs right after the same one.
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            seconds[name].append(run_child(*commands[name]).seconds)
    medians = {name: statistics.median(s) for name, s in seconds.items()}
    return {"runs": runs, "seconds": seconds, "median_seconds": medians, "ours_over_plain": medians[OURS_SCORE] / medians[PLAIN]}


def measure_rss(work: Workspace, big_gb: float | None) -> dict:
    label = work.label_run
    progress(f"{PLAIN}: scoring {work.n:,} comments in a child process")
    plain = run_child(python_command(PLAIN_SCORE_SCRIPT, work.plain_path, work.corpus_csv))
    progress(f"{FASTTEXT} and {PROFANITY}: scoring {work.n:,} comments in child processes")
    fasttext_run = run_child(python_command(FASTTEXT_SCORE_SCRIPT, work.fasttext_path, work.corpus_csv))
    profanity_run = run_child(python_command(PROFANITY_SCORE_SCRIPT, work.corpus_csv))
    systems = {OURS_LABEL: label, PLAIN: plain, FASTTEXT: fasttext_run, PROFANITY: profanity_run}
    result = {"comments": work.n, "systems": {name: asdict(run) for name, run in systems.items()}}
    if big_gb:
        result["big"] = measure_big_file(work, big_gb)
    return result


def measure_big_file(work: Workspace, gigabytes: float) -> dict:
    big_csv, labeled = work.folder / "big.csv", work.folder / "big-labeled.csv"
    progress(f"writing a {gigabytes:g} GB CSV")
    rows = write_big_csv(work.source.frame, big_csv, gigabytes)
    size = big_csv.stat().st_size
    progress(f"moderation label on the {gigabytes:g} GB CSV ({rows:,} comments)")
    run = run_child(moderation_command("label", big_csv, "--out", labeled, *work.model_args))
    big_csv.unlink()
    labeled.unlink()
    return {"gigabytes": size / 1e9, "comments": rows, **asdict(run), "per_second": rows / run.seconds}


def measure_train(work: Workspace, cap: int) -> dict:
    found = training_rows(work.data, cap, TRAIN_SEED)
    if found is None:
        return {"skipped": "no OLID, Davidson or C3 data in the data dir"}
    rows, datasets = found
    data_csv = work.folder / "train.csv"
    write_labeled_csv(rows, data_csv)
    progress(f"train: moderation train on {len(rows):,} rows")
    ours = run_child(moderation_command("train", data_csv, "--model", work.folder / "trained-model"))
    hostile = rows[rows["hostile"].notna()]
    texts, y = hostile["text"].tolist(), hostile["hostile"].to_numpy()
    progress(f"train: {PLAIN} on {len(texts):,} rows")
    plain_seconds = timed(lambda: plain_pipeline().fit(texts, y))
    progress(f"train: {FASTTEXT} on {len(texts):,} rows")
    fasttext_seconds = timed(lambda: train_fasttext(texts, y, work.folder))
    return {
        "rows": len(rows),
        "hostile_rows": len(texts),
        "datasets": datasets,
        "seconds": {OURS_TRAIN: ours.seconds, PLAIN: plain_seconds, FASTTEXT: fasttext_seconds},
        "ours_peak_rss_mb": ours.peak_rss_mb,
    }


def measure_seed_training(work: Workspace, runs: int = SEED_RUNS) -> dict:
    """``moderation train`` on the 47 seed comments alone, and next to two other CPU-bound
    processes (busy loops), alternating; medians of ``runs`` each."""
    command = moderation_command("train", shipped_path("labels"), "--model", work.folder / "seed-model", "--quiet")
    alone, loaded = [], []
    for run in range(runs):
        progress(f"seed training {run + 1}/{runs}: alone, then next to {COMPETING_PROCESSES} busy processes")
        alone.append(run_child(command).seconds)
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(COMPETING_PROCESSES)]
        try:
            loaded.append(run_child(command).seconds)
        finally:
            for process in busy:
                process.kill()
                process.wait()
    return {"runs_alone": alone, "runs_loaded": loaded, "alone": statistics.median(alone), "loaded": statistics.median(loaded)}


# --- the report ---------------------------------------------------------------------------------


def installed_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict:
    import psutil

    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "moderation"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "niceness": os.nice(0),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: installed_version(name) for name in ("numpy", "scikit-learn", "pandas", "fasttext-numpy2", "alt-profanity-check")},
        "git": (revision or "unknown") + (" with uncommitted changes in moderation/" if changed else ""),
    }


def number(x: float) -> str:
    """Three significant digits, without exponent for ordinary magnitudes."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def status(ok: bool) -> str:
    return "met" if ok else "**not met**"


def targets_table(results: dict) -> list[str]:
    rows = []
    if "throughput" in results:
        ratio = results["throughput"]["ours_over_plain"]
        rows.append(("label throughput ÷ plain pipeline", f"{ratio:.1f}×", "≥ 5× (aim 10×)", status(ratio >= TARGETS["throughput"])))
    if "equality" in results:
        e = results["equality"]
        rows.append(("label scores vs. scikit-learn path, max abs. difference", f"{e['max_abs_difference']:.1e}", "≤ 1e-6", status(e["passed"])))
    if "cold" in results:
        ratio = results["cold"]["ours_over_plain"]
        rows.append(("cold start ÷ plain pipeline", f"{ratio:.2f}", "≤ 0.35", status(ratio <= TARGETS["cold"])))
    if "rss" in results and "big" in results["rss"]:
        big = results["rss"]["big"]
        rows.append((f"label peak RSS on a {big['gigabytes']:.2f} GB CSV", f"{big['peak_rss_mb']:,.0f} MB", "< 400 MB for 1 GB", status(big["peak_rss_mb"] < TARGETS["big_rss_mb"])))
    if "seed-train" in results and "alone" in results["seed-train"]:
        t = results["seed-train"]
        rows.append(("train on the 47 seed comments", f"{t['alone']:.1f} s", f"< {TARGETS['seed_seconds']:.0f} s", status(t["alone"] < TARGETS["seed_seconds"])))
        ratio = t["loaded"] / t["alone"]
        rows.append(
            (f"the same next to {COMPETING_PROCESSES} busy processes ÷ alone", f"{ratio:.2f}", f"≤ {TARGETS['seed_loaded_ratio']:.0f}", status(ratio <= TARGETS["seed_loaded_ratio"]))
        )
    if "train" in results and "seconds" in results["train"]:
        t = results["train"]
        seconds = t["seconds"][OURS_TRAIN]
        rows.append((f"train time on {t['rows']:,} rows", f"{seconds:.0f} s", f"< {TARGETS['train_seconds']:.0f} s (for {TARGETS['train_rows']:,} rows)", status(seconds < TARGETS["train_seconds"])))
    return ["| measure | ours | target | status |", "|---|---|---|---|", *(f"| {' | '.join(row)} |" for row in rows)]


def render_markdown(report: dict) -> str:
    m = report["machine"]
    results = {section: r for section, r in report["results"].items() if "error" not in r}
    failed = {section: r["error"] for section, r in report["results"].items() if "error" in r}
    versions = ", ".join(f"{name} {v}" for name, v in m["versions"].items())
    lines = [
        "# Speed and scale benchmark",
        "",
        f"Generated by `bench/speed.py`; do not edit by hand. Command: `{report['command']}`, "
        f"{report['date']}, {report['total_seconds']:.0f} s in total.",
        "",
        f"Machine: {m['cpus']} CPUs, {m['memory_gb']} GB RAM, load average {m['load_average_at_start']} at start, "
        f"niceness {m['niceness']}; {m['platform']}; Python {m['python']}; {versions}; moderation at {m['git']}.",
        "The machine is shared, so absolute numbers are noisy; ratios are measured in the same run.",
        "",
        "## Targets",
        "",
        *targets_table(results),
    ]
    if report["quick"]:
        lines += ["", "Smoke run (`--quick`): sizes are too small for the statuses to mean anything."]
    if "throughput" in results:
        t = results["throughput"]
        what = {
            OURS_LABEL: "the whole command with its defaults (worker processes included): start-up, model load, CSV in and out",
            PLAIN: "`predict_proba` in chunks of 1,000, in-process",
            FASTTEXT: "`model.predict` on the list, in-process",
            PROFANITY: "`predict_prob` in chunks of 1,000, in-process",
        }
        lines += [
            "",
            f"## Throughput: {t['comments']:,} comments",
            "",
            f"Corpus: {t['corpus']}, repeated with unique ids; each copy is its own set of threads. "
            "The alternatives were trained on the seed labels (hostile).",
            "",
            "| system | timed | seconds | comments/s | ÷ plain |",
            "|---|---|---|---|---|",
            *(
                f"| {name} | {what[name]} | {number(s)} | {t['per_second'][name]:,.0f} | {t['seconds'][PLAIN] / s:.2f}× |"
                for name, s in t["seconds"].items()
            ),
        ]
    if "equality" in results:
        e = results["equality"]
        lines += [
            "",
            "## Equality with the scikit-learn path",
            "",
            f"A model trained in-process on the seed labels, exported to a model folder; `moderation label --model` on "
            f"{e['comments']:,} comments ({e['threads']:,} whole threads) against `ModerationClassifier(reference=True).predict_proba` (scikit-learn's TfidfVectorizer): "
            f"max absolute difference {e['max_abs_difference']:.2e} (label writes 6 decimals), "
            f"{'pass' if e['passed'] else '**FAIL**'} at {e['tolerance']:g}.",
        ]
    if "cold" in results:
        c = results["cold"]
        lines += [
            "",
            f"## Cold start: a new process scoring one comment, median of {c['runs']}",
            "",
            "After one untimed warm-up run each; systems alternate within each round.",
            "",
            "| system | median s | runs (s) | ÷ plain |",
            "|---|---|---|---|",
            *(
                f"| {name} | {median:.3f} | {' '.join(f'{s:.3f}' for s in c['seconds'][name])} | {median / c['median_seconds'][PLAIN]:.2f} |"
                for name, median in c["median_seconds"].items()
            ),
        ]
    if "rss" in results:
        r = results["rss"]
        lines += [
            "",
            f"## Peak memory: {r['comments']:,} comments",
            "",
            "Peak RSS of all the command's processes together (sampled every 50 ms; at least the exact peak of "
            "the largest one). Each alternative reads the same CSV in a child process and scores it as in the "
            "throughput section.",
            "",
            "| system | peak RSS MB | seconds |",
            "|---|---|---|",
            *(f"| {name} | {run['peak_rss_mb']:,.0f} | {number(run['seconds'])} |" for name, run in r["systems"].items()),
        ]
        if "big" in r:
            big = r["big"]
            lines += [
                "",
                f"Big file: {big['gigabytes']:.2f} GB, {big['comments']:,} comments: `moderation label` peak RSS "
                f"{big['peak_rss_mb']:,.0f} MB, {big['seconds']:,.0f} s ({big['per_second']:,.0f} comments/s).",
            ]
    if "seed-train" in results and "alone" in results["seed-train"]:
        t = results["seed-train"]
        lines += [
            "",
            "## Training on the seed labels",
            "",
            f"`moderation train labels` (47 comments, cross-validated over every C of the grid, three labels, the "
            f"hostility prior), the whole command; alone and next to {COMPETING_PROCESSES} busy-loop processes, "
            f"alternating. Runs alone: {', '.join(f'{x:.1f}' for x in t['runs_alone'])} s; next to the busy "
            f"processes: {', '.join(f'{x:.1f}' for x in t['runs_loaded'])} s.",
        ]
    if "train" in results:
        t = results["train"]
        lines += ["", "## Training time", ""]
        if "skipped" in t:
            lines.append(f"Skipped: {t['skipped']}.")
        else:
            lines += [
                f"{t['rows']:,} labeled rows ({', '.join(t['datasets'])} train splits, each with its own labels). "
                f"`moderation train` is the whole command: it cross-validates (a grouped hold-out of a fifth at this size, "
                f"every C of its grid) and refits, all three labels; "
                f"the alternatives fit once, on the hostile label ({t['hostile_rows']:,} rows), in-process. "
                f"`moderation train` peak RSS {t['ours_peak_rss_mb']:,.0f} MB.",
                "",
                "| system | seconds |",
                "|---|---|",
                *(f"| {name} | {number(s)} |" for name, s in t["seconds"].items()),
            ]
    for section, error in failed.items():
        lines += ["", f"## {section}: failed", "", "```", error.strip(), "```"]
    return "\n".join(lines) + "\n"


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help=f"comments to label (default {FULL['n']:,}; --quick {QUICK['n']:,})")
    parser.add_argument("--model", type=Path, help="model folder for label and score (default: the shipped model)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {','.join(SECTIONS)} (default: all)")
    parser.add_argument("--big-gb", type=float, help="also label a CSV of this many GB (part of rss; default off)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small N, 3 cold starts, 3,000 train rows")
    parser.add_argument("--data-dir", type=Path, help="public datasets (default: /work/shared/data)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results", help="where speed.md and speed.json go")
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(args.only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; use {', '.join(SECTIONS)}")
    if args.big_gb and "rss" not in args.only:
        parser.error("--big-gb is part of the rss section; include rss in --only")
    settings = QUICK if args.quick else FULL
    args.n = args.n or settings["n"]
    args.cold_runs, args.train_rows = settings["cold_runs"], settings["train_rows"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = {
        "command": shlex.join(["python", "bench/speed.py", *(sys.argv[1:] if argv is None else argv)]),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "machine": machine(),
        "results": {},
    }
    folder = Path(tempfile.mkdtemp(prefix="moderation-speed-"))
    try:
        work = Workspace(folder, data_dir(args.data_dir), args.n, args.model)
        measures = {
            "throughput": lambda: measure_throughput(work),
            "equality": lambda: measure_equality(work),
            "cold": lambda: measure_cold_start(work, args.cold_runs),
            "rss": lambda: measure_rss(work, args.big_gb),
            "train": lambda: measure_train(work, args.train_rows),
            "seed-train": lambda: measure_seed_training(work),
        }
        for section in SECTIONS:
            if section in args.only:
                try:
                    report["results"][section] = measures[section]()
                except Exception as error:  # one broken section should not cost the others' results
                    progress(f"{section} failed: {error}")
                    report["results"][section] = {"error": f"{type(error).__name__}: {error}"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report["total_seconds"] = time.perf_counter() - STARTED
    markdown = render_markdown(report)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "speed.md").write_text(markdown, encoding="utf-8")
    (args.results / "speed.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown)
    progress(f"written to {args.results / 'speed.md'} and speed.json")
    failed = [section for section, result in report["results"].items() if "error" in result]
    equality = report["results"].get("equality", {})
    if not equality.get("passed", True):
        print(f"FAIL: label's scores differ from the scikit-learn path by {equality['max_abs_difference']:.2e} > {TOLERANCE:g}", file=sys.stderr)
    if failed:
        print(f"FAIL: section(s) {', '.join(failed)} did not complete", file=sys.stderr)
    return 1 if failed or not equality.get("passed", True) else 0


if __name__ == "__main__":
    sys.exit(main())
