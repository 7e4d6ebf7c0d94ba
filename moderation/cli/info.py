"""``moderation info``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from moderation.cli.app import MODEL_OPTION, app, handles_errors


@app.command("info")
@handles_errors
def info_command(model: Path = MODEL_OPTION) -> None:
    """Show which model would be used and its metadata (verified before it is shown)."""
    from moderation.model.store import load_model

    loaded = load_model(model)
    print(f"model: {loaded.path}")
    print(json.dumps(loaded.metadata, indent=2, ensure_ascii=False))
