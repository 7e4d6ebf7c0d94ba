"""``moderation annotate`` as a plain function: :func:`annotate` with :class:`AnnotateSettings`."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from moderation.annotate import moderation_access
from moderation.annotate.labels_file import LabelsFile, unwritable_note
from moderation.annotate.moderation_access import InputError, ReadOptions
from moderation.annotate.scoring_models import ScoringModels, learned_model_dir
from moderation.annotate.retrain import Retrainer
from moderation.annotate.script import apply_answers, next_records, next_text
from moderation.annotate.session import Session
from moderation.errors import warn


@dataclass
class AnnotateSettings:
    """Everything the command line decided (validated there)."""

    input: Path
    labels: Path
    model: Path | None = None
    chosen: tuple[str, ...] = moderation_access.LABELS
    random_share: float = 0.1
    retrain_every: int = 20
    seed: int = 0
    next_count: int | None = None
    json_output: bool = False
    answers: Path | None = None
    read_options: ReadOptions = field(default_factory=ReadOptions)

    @property
    def interactive(self) -> bool:
        """Whether this run opens the labeling screen (not script mode)."""
        return self.next_count is None and self.answers is None


def annotate(settings: AnnotateSettings) -> int:
    """Run a terminal session, or the script mode; returns the exit code."""
    if str(settings.input) != "-" and Path(settings.input).resolve() == Path(settings.labels).resolve():
        raise InputError("the labels file is the input; give a new file for --labels", settings.labels)
    # The labels file first: a file that is not ours stops the command before anything is read or shown.
    writable = settings.interactive or settings.answers is not None
    with LabelsFile(settings.labels, writable=writable) as labels_file:
        notices = []
        if labels_file.repair is not None:
            notices.append(
                f"the last row of {settings.labels} was cut off while being written; its {labels_file.repair.size} bytes "
                f"were moved to {labels_file.repair.moved_to} and that comment will be asked again"
            )
            warn(notices[-1])
        comments = moderation_access.read_input(settings.input, settings.read_options)
        if not any(moderation_access.has_text(comment.text) for comment in comments):
            raise InputError("no comments with text to annotate", settings.input)
        replaced = unwritable_note(comments)
        if replaced:
            notices.append(replaced)
            warn(replaced)
        if settings.interactive:
            warn(f"scoring {len(comments):,} comments ...")
        models = ScoringModels(comments, settings.model)
        session = Session(comments, labels_file, settings.chosen, settings.random_share, settings.seed)
        learned_dir = learned_model_dir(settings.labels)
        refused = models.try_learned(learned_dir, session.answers())
        if refused:
            notices.append(refused)
            warn(refused)
        session.set_scores(models.current())
        if not settings.interactive:
            return run_script(session, models, settings)
        from moderation.annotate.terminal import run_terminal

        retrainer = Retrainer(labels_file, learned_dir, models.precision_target())
        code = run_terminal(session, models, retrainer, settings.retrain_every, settings.labels.name, notices[-1:])
        progress = session.progress()
        print(
            f"{progress.answers_this_session} answers saved to {settings.labels} this session; "
            f"{progress.answered:,} of {progress.total:,} comments done. Run the same command to carry on; "
            f"train on them with `moderation train {settings.labels} --model MODEL_DIR`."
        )
        return code


def run_script(session: Session, models: ScoringModels, settings: AnnotateSettings) -> int:
    """Script mode: print the next comments or apply a file of answers."""
    if settings.answers is not None:
        warn(apply_answers(session, settings.answers))
        session.set_scores(models.current())  # the order without the comments just answered
    if settings.next_count is not None:
        records = next_records(session, settings.next_count)
        if settings.json_output:
            sys.stdout.write("".join(json.dumps(record) + "\n" for record in records))
        else:
            sys.stdout.write(next_text(records))
    return 0
