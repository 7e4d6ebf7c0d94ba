"""The README's evaluation plot: a model trained on C3's training articles, evaluated on its
held-out articles with ``moderation evaluate --report``.

    python bench/report_example.py     # needs ../shared/data and the report extra

Writes the report into a temporary folder and copies the hostile reliability diagram to
docs/c3-hostile-reliability.png. Skips (exit 0) without the data.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.datasets import data_dir, load_datasets  # noqa: E402
from bench.systems import canonical_csv  # noqa: E402

FIGURE = ROOT / "docs" / "c3-hostile-reliability.png"


def main() -> int:
    folder = data_dir()
    if folder is None:
        print("../shared/data not found: report example skipped")
        return 0
    c3 = load_datasets(folder, ["c3"])[0]
    with tempfile.TemporaryDirectory(prefix="moderation-report-") as work:
        work = Path(work)
        for part in ("train", "test"):
            canonical_csv(c3.frame[c3.frame.split == part], c3.labels).to_csv(work / f"{part}.csv", index=False)
        moderation = [sys.executable, "-m", "moderation"]
        subprocess.run([*moderation, "train", work / "train.csv", "--model", work / "model", "--quiet"], check=True, cwd=ROOT)
        subprocess.run([*moderation, "evaluate", work / "test.csv", "--model", work / "model", "--report", work / "report"], check=True, cwd=ROOT)
        FIGURE.parent.mkdir(exist_ok=True)
        shutil.copyfile(work / "report" / "hostile-reliability.png", FIGURE)
    print(f"written to {FIGURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
