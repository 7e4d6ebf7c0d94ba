"""Off-topic that does not punish short comments, agreement or title-only articles (issue 12).

Three checks of the shipped default model:

1. **Short reactions**: "hi", "I agree with the author.", "Thanks for the link." and "Great
   article." must not be flagged off_topic. Each is scored as a user would score it — ``echo
   TEXT | moderation score`` in a process of its own, so it is alone in its thread — once without
   an article and once with the seed thread's article (``--article``).
2. **Title-only articles**: Fox News and SFU CTC comments, scored per thread as ``moderation
   label`` does, with the article reduced to its title and with no article at all. The off_topic
   flag rate with the title may be at most 5 points above the rate without.
3. **Seed quality**: ``bench/seed_cv.py`` (leave-one-out on the 47 seed comments) before — on a
   baseline commit — and after — on this working tree; off_topic must not drop.

``--dev`` (default) runs check 2 on each set's train split, ``--final`` on its test split.
Writes ``offtopic_checks[.dev].md`` and ``.json`` to bench/results.

    nice -n 10 python bench/offtopic_checks.py [--dev | --final] [--quick] [--only phrases,titles,seed-cv] [--baseline REV]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import data_dir, load_datasets  # noqa: E402
from bench.priors import moderation_command, run_checked  # noqa: E402
from bench.protocol import (  # noqa: E402
    RESULTS_DIR,
    ROOT,
    ZERO_SHOT_MODE_NOTES,
    add_mode_arguments,
    capped,
    header_lines,
    mode_suffix,
    number,
    run_record,
    write_results,
    zero_shot_rows,
)
from bench.systems import comments_of  # noqa: E402
from moderation.comments import LABELS  # noqa: E402

PHRASES = ("hi", "I agree with the author.", "Thanks for the link.", "Great article.")
TITLE_SETS = ("fox-news", "sfu-ctc")
TITLE_GAP_LIMIT = 0.05  # flag rate with the title − without an article, at most
BASELINE_COMMIT = "987d37f"  # main before issue 12 changed the model
CHECKS = ("phrases", "titles", "seed-cv")
QUICK_TITLE_ROWS = 400
OFF_TOPIC = LABELS.index("off_topic")
# What a copy of the code needs to run bench/seed_cv.py.
TREE_PARTS = ("moderation", "bench", "labels", "models", "pyproject.toml")


def default_model_dir() -> Path:
    from moderation.shipped import default_model_dir as shipped_default

    return shipped_default()


def seed_article() -> str:
    """The article of the shipped seed thread (the text before its comments)."""
    from moderation.io.readers import read_comments
    from moderation.shipped import shipped_path

    thread = next((shipped_path("labels") / "threads").glob("*.txt"))
    return next(iter(read_comments(thread))).article


# --- 1. short reactions ---------------------------------------------------------------------------


def score_alone(text: str, model_dir: Path, workdir: Path, article_file: Path | None = None) -> dict:
    """``echo TEXT | moderation score --model DIR [--article FILE]``: its one JSON record."""
    command = moderation_command("score", "--model", str(model_dir), *(["--article", str(article_file)] if article_file else []))
    output = run_checked(command, workdir, "moderation score", input=text + "\n")
    return json.loads(output.splitlines()[0])


def phrase_check(model_dir: Path, workdir: Path) -> list[dict]:
    article_file = workdir / "seed-article.txt"
    article_file.write_text(seed_article(), encoding="utf-8")
    results = []
    for phrase in PHRASES:
        for article in (None, article_file):
            record = score_alone(phrase, model_dir, workdir, article)
            results.append(
                {
                    "text": phrase,
                    "article": "seed article" if article else "none",
                    "off_topic": record["scores"]["off_topic"],
                    "flagged": "off_topic" in record["flags"],
                }
            )
    return results


# --- 2. title-only articles ---------------------------------------------------------------------


def title_of(article: str) -> str:
    """The first line of an article: its title in both sets (Fox News keeps its description below)."""
    return article.split("\n", 1)[0].strip()


def title_check(model, datasets: dict, mode: str, quick: bool) -> list[dict]:
    """Per set: the off_topic flag rate with the article reduced to its title and with none."""
    threshold = model.thresholds["off_topic"]
    results = []
    for name in TITLE_SETS:
        if name not in datasets:
            continue
        rows = zero_shot_rows(datasets[name], mode)
        if quick:
            rows = whole_threads_capped(rows, QUICK_TITLE_ROWS)
        rates = {}
        for variant, articles in (("title", rows["article"].map(title_of)), ("none", "")):
            scores = model.scorer.score_threads(comments_of(rows.assign(article=articles)))[:, OFF_TOPIC]
            rates[variant] = float(np.mean(scores >= threshold))
        gap = rates["title"] - rates["none"]
        results.append(
            {
                "dataset": name,
                "comments": len(rows),
                "threads": int(rows["thread_id"].nunique()),
                "flag_rate_title": rates["title"],
                "flag_rate_no_article": rates["none"],
                "gap": gap,
                "result": "met" if gap <= TITLE_GAP_LIMIT else "missed",
            }
        )
    return results


def whole_threads_capped(rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """About ``limit`` rows, taken as whole threads so each comment keeps its thread (``--quick``)."""
    kept = capped(rows.drop_duplicates("thread_id"), max(1, limit // max(1, int(rows["thread_id"].value_counts().mean()))))
    return rows[rows["thread_id"].isin(kept["thread_id"])].reset_index(drop=True)


# --- 3. seed leave-one-out before and after -----------------------------------------------------


def copy_of_working_tree(target: Path) -> Path:
    for part in TREE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__", "results"))
        elif source.exists():
            shutil.copy2(source, target / part)
    return target


def copy_of_commit(revision: str, target: Path) -> Path:
    """The files of ``revision`` (``git archive``), without touching the working tree."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision, *TREE_PARTS], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python versions that have it warn without a filter
            tar.extractall(target, filter="data")
        else:
            tar.extractall(target)
    return target


def parse_markdown_table(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``text``, as lists of cells."""
    rows = [line.strip().strip("|").split("|") for line in text.splitlines() if line.strip().startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]  # past the header and the --- line


def seed_cv(tree: Path, workdir: Path) -> dict:
    """Run a tree's own ``bench/seed_cv.py``; its table keyed by (features, label)."""
    started = time.perf_counter()
    output = run_checked([sys.executable, str(tree / "bench" / "seed_cv.py")], workdir, f"seed_cv.py in {tree}", cwd=tree)
    rows = parse_markdown_table(output)
    table = {f"{row[0]} | {row[1]}": {"roc_auc": float(row[2]), "average_precision": float(row[3]), "f1": float(row[4])} for row in rows}
    return {"table": table, "seconds": time.perf_counter() - started}


def seed_cv_check(baseline: str, workdir: Path) -> dict:
    before_tree = copy_of_commit(baseline, workdir / "before")
    after_tree = copy_of_working_tree(workdir / "after")
    before, after = seed_cv(before_tree, workdir), seed_cv(after_tree, workdir)
    # The full model is the last feature set each table lists for off_topic.
    full_before = [key for key in before["table"] if key.endswith("| off_topic")][-1:]
    full_after = [key for key in after["table"] if key.endswith("| off_topic")][-1:]
    result = "not measured"
    if full_before and full_after:
        dropped = after["table"][full_after[0]]["roc_auc"] < before["table"][full_before[0]]["roc_auc"]
        result = "missed" if dropped else "met"
    return {"baseline": baseline, "before": before, "after": after, "full_model": [full_before, full_after], "result": result}


# --- Markdown -----------------------------------------------------------------------------------


def report_markdown(report: dict) -> str:
    run = report["run"]
    lines = header_lines("Off-topic checks", run, f"offtopic_checks{mode_suffix(run['mode'])}.json", ZERO_SHOT_MODE_NOTES)
    lines.append(f"The shipped default model; off_topic threshold {number(report['threshold'])}.")
    lines.append("")
    if "phrases" in report:
        flagged = sum(result["flagged"] for result in report["phrases"])
        lines += [
            "## Short reactions",
            "",
            "Each text alone, `echo TEXT | moderation score` (without an article, and with the seed thread's article "
            "as `--article`). Target: none flagged off_topic.",
            "",
            "| text | article | off_topic score | flagged |",
            "|---|---|---:|---|",
            *(
                f"| {r['text']} | {r['article']} | {number(r['off_topic'])} | {'**yes**' if r['flagged'] else 'no'} |"
                for r in report["phrases"]
            ),
            "",
            f"Result: {flagged} of {len(report['phrases'])} flagged: " + ("**missed**." if flagged else "met."),
            "",
        ]
    if "titles" in report:
        part = "train split" if run["mode"] == "dev" else "test split"
        lines += [
            "## Title-only articles",
            "",
            f"Each set's {part}, scored per thread as `moderation label` does, with the article reduced to its title and "
            f"with no article. Target: the flag rate with the title at most {TITLE_GAP_LIMIT * 100:.0f} points above the "
            "rate without.",
            "",
            "| set | comments (threads) | flagged, title only | flagged, no article | difference | result |",
            "|---|---|---:|---:|---:|---|",
            *(
                f"| {r['dataset']} | {r['comments']:,} ({r['threads']}) | {r['flag_rate_title']:.1%} | {r['flag_rate_no_article']:.1%} "
                f"| {r['gap'] * 100:+.1f} points | {r['result'] if r['result'] == 'met' else '**missed**'} |"
                for r in report["titles"]
            ),
            "",
        ]
    if "seed_cv" in report:
        check = report["seed_cv"]
        before, after = check["before"]["table"], check["after"]["table"]
        lines += [
            "## Seed leave-one-out, before and after",
            "",
            f"`bench/seed_cv.py` on commit {check['baseline']} (before) and on this working tree (after). Target: "
            "off_topic ROC-AUC of the full model (the last feature set listed) does not drop.",
            "",
            "| features | label | ROC-AUC before | after | AP before | after | F1 before | after |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for key in dict.fromkeys([*before, *after]):
            old, new = before.get(key, {}), after.get(key, {})
            cells = [number(old.get(metric), 2) + " | " + number(new.get(metric), 2) for metric in ("roc_auc", "average_precision", "f1")]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
        lines += ["", f"Result: {check['result'] if check['result'] == 'met' else '**' + check['result'] + '**'}.", ""]
    lines.append(f"Total run time: {report['total_seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.add_argument("--data", help="the data dir (default: shared/data beside the repository)")
    parser.add_argument("--only", type=lambda value: [name for name in value.split(",") if name], help=f"comma-separated, of {','.join(CHECKS)} (default: all; with --quick all but seed-cv)")
    parser.add_argument("--quick", action="store_true", help=f"about {QUICK_TITLE_ROWS} comments per title set, no seed CV unless --only names it")
    parser.add_argument("--baseline", default=BASELINE_COMMIT, help=f"the commit seed CV compares with (default: {BASELINE_COMMIT})")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where the results go")
    args = parser.parse_args(argv)
    if args.only is None:
        # Seed CV is two leave-one-out trainings: not quick.
        args.only = [check for check in CHECKS if not (args.quick and check == "seed-cv")]
    unknown = set(args.only) - set(CHECKS)
    if unknown:
        parser.error(f"--only: unknown check(s) {', '.join(sorted(unknown))}; known: {', '.join(CHECKS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    from moderation.model.store import load_model

    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    started = time.perf_counter()
    model_dir = default_model_dir()
    model = load_model(model_dir)
    report = {"run": run_record("bench/offtopic_checks.py", argv, args.mode, args.quick), "model": str(model_dir), "threshold": model.thresholds["off_topic"]}
    with tempfile.TemporaryDirectory(prefix="moderation-offtopic-") as workdir:
        workdir = Path(workdir)
        if "phrases" in args.only:
            report["phrases"] = phrase_check(model_dir, workdir)
        if "titles" in args.only:
            directory = data_dir(args.data)
            if directory is None:
                print("no data dir: title-only check skipped", file=sys.stderr)
            else:
                datasets = {dataset.name: dataset for dataset in load_datasets(directory, TITLE_SETS)}
                report["titles"] = title_check(model, datasets, args.mode, args.quick)
        if "seed-cv" in args.only:
            report["seed_cv"] = seed_cv_check(args.baseline, workdir)
    report["total_seconds"] = time.perf_counter() - started

    markdown = report_markdown(report)
    write_results(args.out, "offtopic_checks", args.mode, report, markdown)
    print(markdown, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
