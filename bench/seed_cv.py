"""Cross-validated quality on the seed labels: text alone, with the context features, and with
the shipped hostility prior too (how the default model is trained).

Prints the Markdown table the README shows and writes it to bench/results/seed_cv.md. Out-of-fold
scores over the 47 labeled comments, on the folds ``moderation train`` uses; the whole pipeline
(vocabularies, idf, scaling) is refitted in every fold.

    python bench/seed_cv.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.commands.model_choice import load_prior  # noqa: E402
from moderation.comments import LABELS  # noqa: E402
from moderation.model.metrics import label_metrics  # noqa: E402
from moderation.model.pipeline import ModerationClassifier  # noqa: E402
from moderation.io.labeled import label_matrix, load_training_data  # noqa: E402
from moderation.shipped import shipped_path  # noqa: E402


RESULTS = Path(__file__).resolve().parent / "results" / "seed_cv.md"


def main() -> None:
    comments = load_training_data([shipped_path("labels")]).comments
    Y = label_matrix(comments)
    lines = [
        "| features | label | ROC-AUC | avg. precision | F1 at threshold | threshold |",
        "|---|---|---|---|---|---|",
    ]
    prior = load_prior().scorer.arrays
    variants = (
        ("text n-grams only", False, None),
        ("text n-grams + context", True, None),
        ("text n-grams + context + hostility prior", True, prior),
    )
    for name, context, variant_prior in variants:
        model = ModerationClassifier(context=context, prior=variant_prior).fit(comments, Y)
        scores = model.oof_scores()
        for j, label in enumerate(LABELS):
            m = label_metrics(Y[:, j], scores[:, j], model.thresholds_[j])
            lines.append(f"| {name} | {label} | {m['roc_auc']:.2f} | {m['average_precision']:.2f} | {m['f1']:.2f} | {m['threshold']:.2f} |")
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text, end="")


if __name__ == "__main__":
    main()
