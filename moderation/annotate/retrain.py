"""Retraining in the background while the annotator keeps answering.

Training takes seconds to minutes, so it runs in a child process (``python -m
moderation.annotate.retrain``) at a lower priority, on a snapshot of the labels taken when it
starts; the terminal stays responsive and the labels file is never read while being written.
The child writes the model folder atomically (as ``moderation train`` does) and prints one JSON
line: ``{"ok": true, "trained_labels": [...]}`` or ``{"ok": false, "error": "..."}``.
One retraining runs at a time; answers given meanwhile are in the next one.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from moderation.annotate.labels_file import LabelsFile

CHILD_NICENESS = 10  # training must not make the keys lag


@dataclass
class RetrainResult:
    """What a background retraining ended with: a new model, a kept one, or why not."""
    ok: bool
    answers: int  # rows in the snapshot trained on
    trained_labels: list[str]
    error: str = ""


class Retrainer:
    """Starts retraining on the labels so far and reports when it is done (:meth:`poll`)."""

    def __init__(self, labels_file: LabelsFile, model_dir: Path, precision_target: float | None):
        self.labels_file = labels_file
        self.model_dir = Path(model_dir)
        self.precision_target = precision_target
        self.process: subprocess.Popen | None = None
        self._workspace: Path | None = None
        self._answers = 0

    def running(self) -> bool:
        """Whether a retraining is under way."""
        return self.process is not None

    def start(self) -> int:
        """Retrain on a snapshot of the labels as they are now; returns how many rows it holds."""
        if self.process is not None:
            raise RuntimeError("a retraining is already running")
        self._workspace = Path(tempfile.mkdtemp(prefix="moderation-annotate-"))
        snapshot = self._workspace / self.labels_file.path.name
        self.labels_file.write_snapshot(snapshot)
        self._answers = len(self.labels_file.rows)
        command = f"moderation train {shlex.quote(str(self.labels_file.path))} --model {shlex.quote(str(self.model_dir))}"
        if self.precision_target is not None:
            command += f" --precision-target {self.precision_target}"
        arguments = [sys.executable, "-m", "moderation.annotate.retrain", str(snapshot), str(self.model_dir), "--command", command]
        if self.precision_target is not None:
            arguments += ["--precision-target", str(self.precision_target)]
        self.process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        return self._answers

    def poll(self) -> RetrainResult | None:
        """The result once the child has finished, else None."""
        if self.process is None or self.process.poll() is None:
            return None
        stdout, stderr = self.process.communicate()
        self.process = None
        self._cleanup()
        try:
            report = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            last = (stderr.strip().splitlines() or ["no output"])[-1]
            return RetrainResult(False, self._answers, [], f"retraining stopped: {last}")
        return RetrainResult(bool(report.get("ok")), self._answers, list(report.get("trained_labels", [])), report.get("error", ""))

    def stop(self) -> None:
        """End a running retraining (the model folder is written atomically: nothing half-done stays)."""
        if self.process is not None:
            self.process.kill()
            self.process.communicate()
            self.process = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._workspace is not None:
            shutil.rmtree(self._workspace, ignore_errors=True)
            self._workspace = None


def main(argv: list[str] | None = None) -> int:
    """The child: train on a labels snapshot into a model folder, report as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m moderation.annotate.retrain")
    parser.add_argument("labels", type=Path)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--precision-target", type=float, default=None)
    parser.add_argument("--command", default="")
    arguments = parser.parse_args(argv)
    os.nice(CHILD_NICENESS)
    from moderation.annotate import moderation_access

    try:
        metadata = moderation_access.train_model(arguments.labels, arguments.model_dir, arguments.precision_target, arguments.command)
    except moderation_access.ModerationError as error:
        print(json.dumps({"ok": False, "error": str(error)}))
        return 2
    except Exception as error:  # noqa: BLE001 - reported on the annotator's screen instead of a traceback
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}))
        return 1
    print(json.dumps({"ok": True, "trained_labels": moderation_access.trained_labels(metadata)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
