"""``moderation serve``."""

from __future__ import annotations

from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import MODEL_OPTION
from moderation.errors import InputError


@app.command("serve", short_help="Serve Perspective API's comments:analyze, offline.")
@handles_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback needs --api-keys."),
    port: int = typer.Option(8080, "--port", "-p", min=0, max=65535, help="Port to listen on (0: any free port, shown at start)."),
    model: Path = MODEL_OPTION,
    api_keys: Path = typer.Option(
        None, "--api-keys", "-k", help="File of API keys, one per line; requests without one get 403.", show_default=False
    ),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=64, help="Worker processes, each with its own model and thread memory."),
    feedback: Path = typer.Option(
        None,
        "--feedback",
        help="CSV file that comments:suggestscore appends labeled rows to, for `moderation train` (default: no feedback kept).",
        show_default=False,
    ),
    insecure_no_auth: bool = typer.Option(
        False, "--insecure-no-auth", help="Serve a non-loopback --host without API keys (only behind a layer that checks access)."
    ),
    max_request_kb: int = typer.Option(1024, "--max-request-kb", min=32, help="Largest request body accepted, in KB (larger: 413)."),
    remember: int = typer.Option(
        20_000, "--remember", min=1, metavar="N", help="/v1/score: recent comments remembered across threads, to compare new ones with."
    ),
    remember_mb: int = typer.Option(
        256, "--remember-mb", min=1, metavar="MB", help="/v1/score: memory for the remembered comments (estimated); long comments fill it first."
    ),
    keep_alive_timeout: int = typer.Option(
        5, "--keep-alive-timeout", min=1, metavar="SECONDS", help="Close a connection that sends no request for this long."
    ),
    request_timeout: int = typer.Option(
        30, "--request-timeout", min=1, metavar="SECONDS", help="Close a connection whose request (head and body) takes longer to arrive."
    ),
    max_connections: int = typer.Option(
        1000,
        "--max-connections",
        min=1,
        metavar="N",
        help="Open connections per process (fewer if the open-file limit allows fewer); one more closes the longest idle one.",
    ),
    scores: str = typer.Option(
        "coral",
        "--scores",
        metavar="SCALE",
        help="Scale of Perspective scores: coral (each label's threshold becomes 0.8, Coral Talk's default) or probability (as the model gives them).",
    ),
    other_languages: str = typer.Option(
        "hold",
        "--other-languages",
        metavar="POLICY",
        help="A comment in a language the model does not score: hold (scores 1.0, so Coral withholds it for a person), "
        "error (Perspective's 400) or pass (scores 0.0).",
    ),
    drop_unsupported_attributes: bool = typer.Option(
        False,
        "--drop-unsupported-attributes",
        help="Leave requested attributes this server does not answer (THREAT, IDENTITY_ATTACK, …) out of responses, "
        "as if every request set dropUnsupportedAttributes.",
    ),
) -> None:
    """Serve Perspective API's comments:analyze and comments:suggestscore, a discovery
    document for Google's clients, and /v1/score (score's JSON record), until SIGTERM.

    SIGHUP reloads the API keys (afterwards exactly the file's keys work: none if it is empty
    or missing) and the model (verified; a model that fails keeps the old one serving). Needs
    the serve extra: pip install 'moderation[serve]'.
    """
    try:
        from moderation.server.run import run_server
        from moderation.server.app import ServerSettings
        from moderation.server.connections import ConnectionLimits
        from moderation.server.languages import POLICIES
        from moderation.server.scale import SCALES
    except ImportError as error:
        raise InputError(f"moderation serve needs {error.name}: install it with pip install 'moderation[serve]'") from None
    if scores not in SCALES:
        raise typer.BadParameter(f"use one of {', '.join(SCALES)}", param_hint="--scores")
    if other_languages not in POLICIES:
        raise typer.BadParameter(f"use one of {', '.join(POLICIES)}", param_hint="--other-languages")

    settings = ServerSettings(
        host=host,
        port=port,
        model=model,
        api_keys=api_keys,
        workers=workers,
        feedback=feedback,
        insecure_no_auth=insecure_no_auth,
        max_request_bytes=max_request_kb * 1024,
        remembered=remember,
        remembered_bytes=remember_mb << 20,
        connections=ConnectionLimits(keep_alive_timeout, request_timeout, max_connections),
        scale=scores,
        other_languages=other_languages,
        drop_unsupported=drop_unsupported_attributes,
    )
    run_server(settings)
