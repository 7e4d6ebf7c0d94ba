"""``moderation info``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import MODEL_OPTION


@app.command("info")
@handles_errors
def info_command(
    model: Path = MODEL_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: the model's folder, why it is used, its metadata."),
) -> None:
    """Show which model is used, and its metadata (verified first)."""
    from moderation.commands.model_choice import choose_model, load_chosen_model
    from moderation.server.scale import FLAG_POINT

    choice = choose_model(model)
    loaded = load_chosen_model(model)
    if as_json:
        print(json.dumps({"path": str(loaded.path), "reason": choice.reason, "metadata": loaded.metadata}, indent=2, ensure_ascii=False))
        return
    metadata = loaded.metadata
    data = metadata.get("data", {})
    print(f"model:      {loaded.path}")
    print(f"            {choice.reason}; verified (sha256 {metadata['model_sha256'][:16]}…)")
    print(f"made by:    {metadata.get('command', '?')}")
    threads = data.get("threads", "?")
    print(f"trained on: {data.get('comments', '?')} comments in {threads} thread{'' if threads == 1 else 's'}")
    print(f"cv:         {metadata.get('training', {}).get('cv', '?')}")
    print(f"{'label':<12} {'threshold':>9} {'ROC-AUC':>8} {'avg.prec':>8}")
    for label, threshold in loaded.thresholds.items():
        m = metadata.get("cv_metrics", {}).get(label, {})
        print(f"{label:<12} {threshold:>9.3f} {m.get('roc_auc', float('nan')):>8.3f} {m.get('average_precision', float('nan')):>8.3f}")
    print(f"serve:      TOXICITY and the other Perspective scores on the coral scale (the default), where each threshold above is {FLAG_POINT};")
    print("            a score above it means flagged. `serve --scores probability` serves the probabilities.")
    print("`moderation info --json` shows all the metadata: versions, data digest, every metric.")
