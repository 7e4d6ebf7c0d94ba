"""``moderation evaluate``: how well a model's flags match labeled comments."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from moderation.comments import LABELS
from moderation.errors import InputError, warn
from moderation.model.metrics import CALIBRATION_BINS, label_metrics
from moderation.io.readers import ReadOptions
from moderation.model.store import LoadedModel
from moderation.model.verdicts import Judge, flags_of
from moderation.io.labeled import label_matrix, load_training_data
from moderation.io.writers import open_output


def evaluate(
    data_paths: list[Path],
    model: LoadedModel,
    thresholds: dict[str, float],
    options: ReadOptions = ReadOptions(),
    report: Path | None = None,
) -> dict[str, dict]:
    """Metrics per label on the rows annotated for it (``thresholds`` replace the model's for
    the labels they name); labels the data does not annotate, or
    the model was not trained on, are left out rather than counted as negatives. With
    ``report``, also writes ``metrics.json`` and, per label, a precision–recall curve and a
    reliability diagram as PNG into that folder. Data the model was trained on is evaluated
    too, with a warning on stderr that its numbers are optimistic."""
    data = load_training_data(data_paths, options, purpose="evaluation")
    learned = files_trained_on(data.sources, model.metadata)
    if learned:
        warn(
            f"warning: the model was trained on {', '.join(learned)}, so these numbers are optimistic: measured on "
            "what it learned from; evaluate on labeled comments it has not seen, or see its cross-validated quality "
            "in `moderation info`"
        )
    comments = data.comments
    Y = label_matrix(comments)
    judge = Judge(model.scorer, thresholds)
    scores = judge.threads(comments).scores
    results, curves = {}, {}
    for j, label in enumerate(LABELS):
        rows = ~np.isnan(Y[:, j]) & ~np.isnan(scores[:, j])
        if rows.any() and label in judge.thresholds:
            results[label] = label_metrics(Y[rows, j], scores[rows, j], judge.thresholds[label])
            curves[label] = (Y[rows, j], scores[rows, j])
    if report is not None:
        write_report(report, results, curves)
    return results


def files_trained_on(sources: list[dict], metadata: dict) -> list[str]:
    """The files among ``sources`` (as :class:`~moderation.io.labeled.TrainingData` lists
    them) that hold labeled rows and that a model with ``metadata`` was trained on: the
    same bytes (sha256) as one of its training sources."""
    trained = {source.get("sha256") for source in metadata.get("data", {}).get("sources", [])}
    return [source["path"] for source in sources if source["rows"] and source["sha256"] in trained]


def write_report(folder: Path, results: dict[str, dict], curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[Path]:
    """metrics.json plus ``<label>-precision-recall.png`` and ``<label>-reliability.png``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--report draws plots with matplotlib: pip install 'moderation[report]'") from None
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import precision_recall_curve

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the report folder ({error.strerror or error})", folder) from None
    written = [folder / "metrics.json"]
    with open_output(written[0]) as stream:
        stream.write(json.dumps(results, indent=2) + "\n")

    def save(figure, axes, name: str, legend: str) -> None:
        axes.legend(loc=legend)
        figure.tight_layout()
        written.append(folder / name)
        with open_output(written[-1], binary=True) as stream:
            figure.savefig(stream, format="png", dpi=100)
        plt.close(figure)

    for label, (y, scores) in curves.items():
        metrics = results[label]
        precision, recall, _ = precision_recall_curve(y, scores)
        figure, axes = plt.subplots(figsize=(4.5, 4))
        axes.plot(recall, precision, drawstyle="steps-post")
        flags = flags_of(scores, metrics["threshold"])
        axes.scatter([metrics["recall"]], [metrics["precision"]], color="black", zorder=3, label=f"threshold {metrics['threshold']:.2f}")
        axes.axhline(y.mean(), color="grey", linestyle=":", label=f"base rate {y.mean():.2f}")
        axes.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title=f"{label}: AP {metrics['average_precision']:.2f}, {flags.sum()} flagged")
        save(figure, axes, f"{label}-precision-recall.png", "lower left")

        observed, predicted = calibration_curve(y, scores, n_bins=CALIBRATION_BINS, strategy="uniform")
        figure, axes = plt.subplots(figsize=(4.5, 4))
        axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
        axes.plot(predicted, observed, marker="o", label="this model")
        axes.set(xlabel="mean score in bin", ylabel="share labeled positive", xlim=(0, 1), ylim=(0, 1), title=f"{label}: ECE {metrics['ece']:.3f}, Brier {metrics['brier']:.3f}")
        save(figure, axes, f"{label}-reliability.png", "upper left")
    return written
