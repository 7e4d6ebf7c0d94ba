"""Disguised insults and the cost of undoing them (issue 17, "Silent verdicts"): before — a
baseline commit's tokenizer and shipped model — and after — this working tree's — in one run.

1. **Disguises**: the shipped default model's hostile score of each insult of
   ``tools/disguises.py``, plain and under each disguise (fullwidth and look-alike letters,
   invisible characters, a right-to-left override, spaced-out letters, leetspeak, …).
2. **Ordinary text unchanged**: how many of C3's news comments tokenize differently, plain
   ASCII ones and others apart, with examples.
3. **Throughput**: ``tokenize``, ``WordTable.encode`` (the path ``label`` and ``score``
   take) and the shipped model's ``Scorer.score_threads`` (what ``label`` does, features and
   all) on ``--rows`` C3 comments (the comments repeated, each copy in threads of its own),
   caches emptied first; before
   and after alternate in child processes, ``--rounds`` times, and the median is reported.
   Times are the child's CPU time, which other processes on a busy machine disturb less than
   the wall clock.

Writes bench/results/normalization.md and .json and prints the Markdown.

    nice -n 10 python bench/normalization.py [--rows 100000] [--rounds 3] [--baseline REV] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from bench.datasets import data_dir, load_datasets  # noqa: E402
from bench.speed_systems import build_corpus  # noqa: E402
from bench.offtopic_checks import copy_of_commit, copy_of_working_tree  # noqa: E402
from bench.protocol import RESULTS_DIR, header_lines, number, run_record, write_results  # noqa: E402
from tools.disguises import DISGUISES, INSULTS  # noqa: E402

BASELINE_COMMIT = "63218fd"  # main before the tokenizer undid disguises
ENCODE_BATCH = 1000  # comments per WordTable.encode call, about what label's batches hold
EXAMPLES = 8
MODE_NOTES = {"final": "No model is fitted: the shipped default model and the tokenizer of each tree, on C3's comments as they are."}

# Run in a child process with the tree to measure first on sys.path: reads the job from
# argv[2], writes the measurements to argv[3].
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from moderation.comments import Comment
from moderation.features import text
from moderation.model.store import load_model
from moderation.shipped import default_model_dir

job = json.load(open(sys.argv[2], encoding="utf-8"))
texts = job["texts"]
text.tokenize.cache_clear()
text._token_words.clear()
started = time.process_time()
for t in texts:
    text.tokenize(t)
tokenize_seconds = time.process_time() - started
text._token_words.clear()
table = text.WordTable()
started = time.process_time()
for k in range(0, len(texts), job["batch"]):
    table.encode(texts[k : k + job["batch"]])
encode_seconds = time.process_time() - started
scorer = load_model(default_model_dir()).scorer
comments = [Comment(text=t, id=str(i), thread_id=thread) for i, (t, thread) in enumerate(zip(texts, job["threads"]))]
text._token_words.clear()
started = time.process_time()
scorer.score_threads(comments)
score_seconds = time.process_time() - started
result = {"tokenize_seconds": tokenize_seconds, "encode_seconds": encode_seconds, "score_seconds": score_seconds}
if job["details"]:
    result["tokens"] = [list(text.tokenize(t)) for t in job["distinct"]]
    hostile = job["hostile_column"]
    comments = [Comment(text=t, id=str(i), thread_id=str(i)) for i, t in enumerate(job["disguised"])]
    result["hostile"] = scorer.score_threads(comments)[:, hostile].tolist()
json.dump(result, open(sys.argv[3], "w", encoding="utf-8"))
"""


def disguised_texts() -> list[dict]:
    """Every insult plain and under every disguise."""
    cases = []
    for plain, word in INSULTS:
        cases.append({"insult": plain, "disguise": "plain", "text": plain})
        cases += [{"insult": plain, "disguise": name, "text": disguise(plain, word)} for name, disguise in DISGUISES.items()]
    return cases


def c3_comments(data: str | None) -> pd.DataFrame:
    directory = data_dir(data)
    if directory is None:
        raise SystemExit("no data dir (../shared/data): C3's comments are needed")
    (c3,) = load_datasets(directory, ["c3"])
    return c3.frame[c3.frame["text"].str.strip() != ""].reset_index(drop=True)


def measure(tree: Path, job_file: Path, workdir: Path) -> dict:
    out = workdir / "measured.json"
    subprocess.run([sys.executable, "-c", CHILD, str(tree), str(job_file), str(out)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def token_changes(distinct: list[str], before: list[list[str]], after: list[list[str]]) -> dict:
    changed = [(t, b, a) for t, b, a in zip(distinct, before, after) if b != a]
    ascii_changed = [c for c in changed if c[0].isascii()]
    return {
        "comments": len(distinct),
        "ascii_comments": sum(t.isascii() for t in distinct),
        "changed": len(changed),
        "ascii_changed": len(ascii_changed),
        "examples": [
            {"text": t, "before": [w for w in b if w not in a], "after": [w for w in a if w not in b]}
            for t, b, a in (ascii_changed + [c for c in changed if not c[0].isascii()])[:EXAMPLES]
        ],
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="C3 comments to tokenize per measurement (repeated to this many)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating before/after measurements; the median counts")
    parser.add_argument("--baseline", default=BASELINE_COMMIT, help="the commit measured as 'before'")
    parser.add_argument("--data", default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,000 rows, 1 round")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.rounds = 10_000, 1

    from moderation.comments import LABELS

    started = time.perf_counter()
    c3 = c3_comments(args.data)
    distinct = c3["text"].tolist()
    corpus = build_corpus(c3, args.rows)  # copies are threads of their own
    texts, threads = corpus["text"].tolist(), corpus["thread_id"].tolist()
    cases = disguised_texts()
    report = {"run": run_record("bench/normalization.py", argv, "final", args.quick), "baseline": args.baseline, "rows": len(texts)}
    timings: dict[str, list[dict]] = {"before": [], "after": []}
    details = {}
    with tempfile.TemporaryDirectory(prefix="moderation-normalization-") as workdir:
        workdir = Path(workdir)
        trees = {"before": copy_of_commit(args.baseline, workdir / "before"), "after": copy_of_working_tree(workdir / "after")}
        for round_number in range(args.rounds):
            for side, tree in trees.items():
                job = {"texts": texts, "threads": threads, "batch": ENCODE_BATCH, "details": round_number == 0, "distinct": distinct}
                job |= {"disguised": [c["text"] for c in cases], "hostile_column": LABELS.index("hostile")}
                job_file = workdir / "job.json"
                job_file.write_text(json.dumps(job), encoding="utf-8")
                measured = measure(tree, job_file, workdir)
                timings[side].append({key: value for key, value in measured.items() if key.endswith("_seconds")})
                if round_number == 0:
                    details[side] = measured
    for side in timings:
        report[side] = {
            key.replace("_seconds", "_per_second"): len(texts) / statistics.median(t[key] for t in timings[side])
            for key in ("tokenize_seconds", "encode_seconds", "score_seconds")
        } | {"rounds": timings[side]}
    report["tokens"] = token_changes(distinct, details["before"]["tokens"], details["after"]["tokens"])
    report["disguises"] = [case | {"before": b, "after": a} for case, b, a in zip(cases, details["before"]["hostile"], details["after"]["hostile"])]
    report["total_seconds"] = time.perf_counter() - started
    markdown = report_markdown(report)
    write_results(args.out, "normalization", "final", report, markdown)
    print(markdown, end="")
    return 0


def report_markdown(report: dict) -> str:
    lines = header_lines("Disguised insults and the cost of undoing them", report["run"], "normalization.json", MODE_NOTES)
    lines += [f"Before: commit {report['baseline']}; after: this tree. Each side's own tokenizer and shipped default model.", ""]
    plain = {case["insult"]: case for case in report["disguises"] if case["disguise"] == "plain"}
    names = list(dict.fromkeys(case["disguise"] for case in report["disguises"] if case["disguise"] != "plain"))
    worst = {"before": 0.0, "after": 0.0}
    rows = []
    for name in names:
        cases = [c for c in report["disguises"] if c["disguise"] == name]
        gaps = {side: [abs(c[side] - plain[c["insult"]][side]) for c in cases] for side in worst}
        for side in worst:
            worst[side] = max(worst[side], *gaps[side])
        rows.append(
            f"| {name} | {repr(cases[0]['text'])[1:-1].replace('|', '&#124;')} | {number(statistics.mean(c['before'] for c in cases), 2)} "
            f"| {number(statistics.mean(c['after'] for c in cases), 2)} | {number(max(gaps['before']), 2)} | {number(max(gaps['after']), 2)} |"
        )
    lines += [
        "## Disguises",
        "",
        f"Hostile score of {len(plain)} insults under each disguise (mean), and the largest gap from the same insult "
        "written plainly. Plain: mean "
        f"{number(statistics.mean(c['before'] for c in plain.values()), 2)} before, "
        f"{number(statistics.mean(c['after'] for c in plain.values()), 2)} after.",
        "",
        "| disguise | example | hostile before | hostile after | largest gap before | largest gap after |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Largest gap over all insults and disguises: {number(worst['before'], 3)} before, {number(worst['after'], 3)} after.",
        "",
    ]
    tokens = report["tokens"]
    lines += [
        "## Ordinary text",
        "",
        f"C3's {tokens['comments']:,} comments ({tokens['ascii_comments']:,} plain ASCII): {tokens['changed']:,} tokenize "
        f"differently after, {tokens['ascii_changed']:,} of them plain ASCII.",
        "",
    ]
    if tokens["examples"]:
        lines += ["| comment (start) | tokens only before | tokens only after |", "|---|---|---|"]
        for example in tokens["examples"]:
            start = example["text"][:80].replace("\n", " ").replace("|", "&#124;")
            lines.append(f"| {start} | {' '.join(example['before'])} | {' '.join(example['after'])} |")
        lines.append("")
    before, after = report["before"], report["after"]
    lines += [
        "## Throughput",
        "",
        f"{report['rows']:,} C3 comments, comments per second of CPU time (median of {len(before['rounds'])} alternating runs).",
        "",
        "| path | before | after | after / before |",
        "|---|---:|---:|---:|",
        *(
            f"| `{name}` | {before[key]:,.0f} | {after[key]:,.0f} | {after[key] / before[key]:.2f} |"
            for name, key in (
                ("tokenize", "tokenize_per_second"),
                ("WordTable.encode", "encode_per_second"),
                ("Scorer.score_threads (label's work)", "score_per_second"),
            )
        ),
        "",
        f"Total run time {report['total_seconds']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
