"""The benchmark protocol shared by accuracy.py, zero_shot.py and offtopic_checks.py.

Two modes, so that a test split is read once, at the end, and never steers a design choice:

- ``dev``: every dataset's fixed train split is split again by the same rule (article,
  submission, thread, or stratified for OLID) into a *fit* part (about 80 %) and a *dev* part.
  Systems are fitted on fit and scored on dev. Every design choice — features, word lists, C
  grids, prior recipe, which data to mix — is made on this mode. The test split is not read.
- ``final``: systems are fitted on the whole train split and scored on the test split, once
  per release. The results record the commit, the date, the command and that it was a final
  run; the README's and BENCHMARKS.md's numbers come only from such runs.

Zero-shot evaluations fit nothing on the evaluated set, so their dev part is the whole train
split (``zero_shot_rows``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shlex
import subprocess
from pathlib import Path

import pandas as pd

from bench.datasets import Dataset

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
MODES = ("dev", "final")
QUICK_SEED = 20261127

MODE_NOTES = {
    "dev": (
        "**Development run** (`--dev`): each dataset's train split is split again by the same rule into a fit "
        "part and a dev part; systems are fitted on fit and scored on dev. The test splits were not read. "
        "All design choices are to be made on this mode; these numbers are not the benchmark's results."
    ),
    "final": (
        "**Final run** (`--final`): systems are fitted on the whole train split and scored on the test split, "
        "read once for this run. Only numbers from final runs go into the README and BENCHMARKS.md; a change "
        "made after reading them must be checked in `--dev` mode and reported as a new final run."
    ),
}


def add_mode_arguments(parser: argparse.ArgumentParser) -> None:
    """``--dev`` (the default) or ``--final``, and ``--quick``."""
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--dev", dest="mode", action="store_const", const="dev", help="fit on the fit part, score the dev part of each train split (default)")
    modes.add_argument("--final", dest="mode", action="store_const", const="final", help="fit on the train split, score the test split (the reported numbers)")
    parser.set_defaults(mode="dev")


def fit_and_evaluation_rows(dataset: Dataset, mode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows a system is fitted on and the rows it is scored on, in this mode."""
    frame = dataset.frame
    train = frame[frame["split"] == "train"].reset_index(drop=True)
    if mode == "final":
        return train, frame[frame["split"] == "test"].reset_index(drop=True)
    if mode != "dev":
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    # The dataset's own rule, applied to its train rows: its "test" side is the dev part.
    inner = dataset.resplit(train)
    return train[inner == "train"].reset_index(drop=True), train[inner == "test"].reset_index(drop=True)


def zero_shot_rows(dataset: Dataset, mode: str) -> pd.DataFrame:
    """The rows a zero-shot evaluation scores: the whole train split (dev) or the test split (final)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    frame = dataset.frame
    return frame[frame["split"] == ("train" if mode == "dev" else "test")].reset_index(drop=True)


def capped(frame: pd.DataFrame, rows: int | None, seed: int = QUICK_SEED) -> pd.DataFrame:
    """At most ``rows`` rows, a seeded sample in the original order (``--quick``)."""
    if rows is None or len(frame) <= rows:
        return frame
    return frame.sample(n=rows, random_state=seed).sort_index().reset_index(drop=True)


def mode_suffix(mode: str) -> str:
    """Results of final runs are ``NAME.md``; those of dev runs ``NAME.dev.md`` beside them."""
    return "" if mode == "final" else f".{mode}"


# --- what produced a result ------------------------------------------------------------------------


def git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def code_version() -> dict:
    """The commit the code is at and which of the folders that decide a result have uncommitted changes."""
    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "describe": "unknown (not a git checkout)", "uncommitted": []}
    uncommitted = [folder for folder in ("moderation", "models", "labels", "bench") if git("status", "--porcelain", "--", folder)]
    describe = f"commit {commit[:7]}" + (f" with uncommitted changes in {', '.join(f + '/' for f in uncommitted)}" if uncommitted else "")
    return {"commit": commit, "describe": describe, "uncommitted": uncommitted}


def run_record(script: str, argv: list[str], mode: str, quick: bool) -> dict:
    """What a results file records about the run that made it."""
    return {
        "command": shlex.join(["python", script, *argv]),
        "mode": mode,
        "final": mode == "final",
        "quick": quick,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "code": code_version(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


ZERO_SHOT_MODE_NOTES = {
    "dev": (
        "**Development run** (`--dev`): nothing is fitted on the evaluated sets, so each set's whole train split is "
        "scored. The test splits were not read. All design choices are to be made on this mode; these numbers are "
        "not the benchmark's results."
    ),
    "final": (
        "**Final run** (`--final`): each set's test split, read once for this run. Only numbers from final runs go "
        "into the README and BENCHMARKS.md."
    ),
}


def header_lines(title: str, run: dict, json_name: str, mode_notes: dict[str, str] = MODE_NOTES) -> list[str]:
    """The opening of a generated results page: what made it, in which mode."""
    lines = [
        f"# {title}",
        "",
        f"Generated by `{run['command']}` on {run['code']['describe']}, {run['date']}; do not edit by hand. "
        f"All numbers are in `{json_name}`. {run.get('cpus') or '?'} CPUs, load average "
        f"{' / '.join(str(v) for v in run.get('load_average_at_start', []))} at the start (1, 5, 15 min).",
        "",
        mode_notes[run["mode"]],
        "",
    ]
    if run["quick"]:
        lines += ["**Quick run** (`--quick`): subsets only. Smoke numbers, not results.", ""]
    return lines


# --- writing results -------------------------------------------------------------------------------


def number(value, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def signed(value) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:+.3f}"


def without_nan(value):
    """JSON has no NaN: undefined metrics become null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nan(item) for item in value]
    return value


def write_results(out: Path, stem: str, mode: str, report: dict, markdown: str) -> None:
    """``STEM.md`` and ``STEM.json`` (``STEM.dev.*`` for dev runs) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    suffix = mode_suffix(mode)
    (out / f"{stem}{suffix}.md").write_text(markdown, encoding="utf-8")
    (out / f"{stem}{suffix}.json").write_text(json.dumps(without_nan(report), indent=2) + "\n", encoding="utf-8")
