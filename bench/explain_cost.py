"""What ``label --explain`` costs: ``label`` on the same CSV with and without ``--explain``, in
alternating runs of one scoring process each, median wall time and peak RSS, and the ratio.
Writes bench/results/explain_cost.md and prints it.

    nice python bench/explain_cost.py             # 20,000 C3 comments (the seed thread's, repeated, without ../shared/data)
    python bench/explain_cost.py --n 2000 --runs 1

The cost grows with the number of flags (each flagged label of a comment is explained), so the
share of comments flagged is reported with it. Ratios come from runs of the same invocation.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import data_dir  # noqa: E402
from bench.speed_systems import build_corpus, corpus_source, moderation_command, run_child, write_csv  # noqa: E402
from moderation.comments import LABELS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "explain_cost.md"


def flagged_share(path: Path) -> tuple[float, int]:
    """The share of rows with at least one flag, and the number of flags, in ``label``'s output."""
    rows = flags = flagged = 0
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            rows += 1
            count = sum(row[f"{label}_flag"] == "1" for label in LABELS)
            flags += count
            flagged += count > 0
    return flagged / max(rows, 1), flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="comments labeled")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, alternating")
    args = parser.parse_args()
    source = corpus_source(data_dir())
    with tempfile.TemporaryDirectory() as folder:
        corpus, output = Path(folder) / "corpus.csv", Path(folder) / "labeled.csv"
        write_csv(build_corpus(source.frame, args.n), corpus)
        base = ["label", corpus, "--out", output, "--workers", "1", "--quiet"]
        runs: dict[str, list] = {"label": [], "label --explain": []}
        for _ in range(args.runs):
            for name, extra in (("label", []), ("label --explain", ["--explain"])):
                runs[name].append(run_child(moderation_command(*base, *extra)))
        share, flags = flagged_share(output)
    seconds = {name: statistics.median(r.seconds for r in measured) for name, measured in runs.items()}
    rss = {name: max(r.peak_rss_mb for r in measured) for name, measured in runs.items()}
    lines = [
        "# What `label --explain` costs",
        "",
        f"`python bench/explain_cost.py --n {args.n} --runs {args.runs}`: {args.n:,} comments of {source.description}, "
        f"one scoring process (`--workers 1`), the default model; {share:.0%} of comments flagged ({flags:,} flags, each explained).",
        "",
        "| command | median s | runs (s) | comments/s | peak RSS MB |",
        "|---|---:|---|---:|---:|",
    ]
    for name, measured in runs.items():
        times = " ".join(f"{r.seconds:.2f}" for r in measured)
        lines.append(f"| `{name}` | {seconds[name]:.2f} | {times} | {args.n / seconds[name]:,.0f} | {rss[name]:.0f} |")
    lines += ["", f"`--explain` took {seconds['label --explain'] / seconds['label']:.2f}× the time of `label` alone."]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
