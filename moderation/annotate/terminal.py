"""The terminal screen of ``moderation annotate``: one comment at a time, single keys.

prompt_toolkit handles the terminal (raw keys, the alternate screen, resizing; no mouse); the
screen itself is drawn by :func:`render`, a plain function of the session and the terminal
size, so it is tested without a terminal. Everything drawn is ASCII apart from the comments'
own text, and fits 80×24.
"""

from __future__ import annotations

import asyncio
import textwrap
from dataclasses import dataclass

from moderation.annotate.moderation_access import LABELS, MIN_CLASS_TO_TRAIN, can_train
from moderation.annotate.scoring_models import ScoringModels
from moderation.annotate.retrain import Retrainer, RetrainResult
from moderation.annotate.session import Session, article_title_and_start

LABEL_KEYS = {"o": "off_topic", "h": "hostile", "a": "ad_hominem"}
KEY_OF_LABEL = {label: key for key, label in LABEL_KEYS.items()}
KEYS_LINE = "o/h/a: toggle  Enter: save+next  s: skip  b: back  ?: help  q: quit"
MIN_WIDTH, MIN_HEIGHT = 40, 12
POLL_SECONDS = 0.5

HELP = """\
moderation annotate: keys

  o  h  a     set or clear off_topic, hostile, ad_hominem (the labels
              being annotated; see labels/GUIDELINES.md)
  Enter       save the answer (unchecked labels are saved as 0) and go on
  s           skip: no answer; a skipped comment is not asked again
  b           go back to the previous answer to change it (repeatable);
              Enter saves the change and goes forward again
  Up/Down     scroll a long comment (also k/j, PgUp/PgDn)
  ?           this help
  q           quit; every saved answer is already on disk, and running
              the same command again carries on where you stopped

The comments the model is least sure about come first, mixed with some
random ones. Every few answers the model is retrained in the background
on your labels and the order follows it.

Press any key to go back."""


@dataclass
class ScreenState:
    """What the screen shows beside the session: help, scrolling and the status lines."""

    help_shown: bool = False
    scroll: int = 0
    status: str = ""
    model_status: str = ""


def wrap(text: str, width: int) -> list[str]:
    """Lines of ``text`` wrapped to ``width``, paragraphs and blank lines kept."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.extend(textwrap.wrap(paragraph, width, replace_whitespace=True, drop_whitespace=True) or [""])
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def clip(text: str, width: int) -> str:
    """A line cut to the screen's width."""
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def rule(title: str, width: int) -> str:
    """A horizontal rule across the screen, with a title."""
    head = f"-- {title} "
    return clip(head, width) + "-" * max(width - len(head), 0)


Line = list[tuple[str, str]]  # (prompt_toolkit style, text) fragments of one screen line


def render(session: Session, state: ScreenState, labels_name: str, width: int, height: int) -> list[Line]:
    """The whole screen, line by line, for a terminal of ``width`` × ``height``."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return [[("", clip(f"Window too small ({width}x{height}); needs {MIN_WIDTH}x{MIN_HEIGHT}. q quits.", width))]]
    if state.help_shown:
        return [[("", clip(line, width))] for line in HELP.splitlines()[:height]]
    progress = session.progress()
    positives = "  ".join(f"{label}+ {progress.positives[label]}" for label in session.chosen)
    header = f" {progress.answered:,}/{progress.total:,} done  {positives}  ({labels_name})"
    top: list[Line] = [[("reverse", clip(header, width).ljust(width))]]
    footer: list[Line] = []
    index = session.shown()
    if index is None:
        body = [[("", "Every comment of this input is answered for the chosen labels.")], [("", "")], [("", "Press b to change an answer, q to quit.")]]
        return top + body + [[("", "")]] + [[("", clip(state.model_status, width))], [("", clip(state.status, width))]]

    comment = session.comments[index]
    title, start = article_title_and_start(comment.article)
    if title:
        top.append([("bold", clip(f"Article: {title}", width))])
        top.extend([("italic", "  " + line)] for line in wrap(start, width - 2)[:2])
    parent = session.parent_of(index)
    if parent is not None:
        flattened = " ".join(parent.text.split())
        replied = wrap(f"In reply to {parent.author or 'comment ' + parent.id}: {flattened}", width - 4)
        if len(replied) > 2:
            replied[1] += " ..."
        top.extend([("", ("" if number == 0 else "  ") + line)] for number, line in enumerate(replied[:2]))
    if session.revisiting():
        where = f"changing answer {session.cursor + 1} of {len(session.history())}"
    else:
        where = "picked at random" if index in session.random_picks else "least certain"
    author = f" by {comment.author}" if comment.author else ""
    thread = f" in thread {comment.thread_id}" if comment.thread_id else ""
    top.append([("bold", rule(f"comment {comment.id}{author}{thread} ({where})", width))])

    scores = session.scores_of(index)
    flags = session.flags_of(index)
    parts = [f"{label} {scores[label]:.2f}{'*' if label in flags else ''}" for label in LABELS if scores[label] is not None]
    model = session.model.description if session.model else "none"
    footer.extend([("", line)] for line in wrap(f"Model: {'  '.join(parts) or 'no scores'}  (* flagged; {model})", width)[:2])
    answer: Line = [("bold", "Answer: ")]
    for label in session.chosen:
        checked = session.draft.get(label) == 1
        answer.append(("reverse" if checked else "", f"[{'x' if checked else ' '}] {KEY_OF_LABEL[label]} {label}"))
        answer.append(("", "  "))
    footer.append(answer)
    footer.append([("", clip(KEYS_LINE, width))])
    footer.extend([("", line)] for line in wrap(state.model_status, width)[:2])
    footer.append([("", clip(state.status, width))])

    room = max(height - len(top) - len(footer), 1)
    text = wrap(comment.text, width - 2)
    if len(text) <= room:
        state.scroll = 0
        visible = text
    else:  # the last line of the room says which part is shown
        state.scroll = max(0, min(state.scroll, len(text) - (room - 1)))
        visible = text[state.scroll : state.scroll + room - 1]
        visible.append(f"[lines {state.scroll + 1}-{state.scroll + len(visible)} of {len(text)}; Up/Down scroll]")
    middle = [[("", "  " + line)] for line in visible]
    middle += [[("", "")]] * (room - len(middle))
    return top + middle + footer


def progress_words(result: RetrainResult, session: Session, models: ScoringModels) -> str:
    """The model line after a retraining: what changed, or why nothing did."""
    if not result.ok:
        if "examples of each class" in result.error:
            return f"Too few to train yet: a label needs {MIN_CLASS_TO_TRAIN} yes and {MIN_CLASS_TO_TRAIN} no answers."
        return f"Retraining failed, keeping the current model: {result.error}"
    used = {label for label, learned in zip(LABELS, session.model.learned) if learned}
    parts = []
    for label in session.chosen:
        if label in used:
            parts.append(f"{label}: now from your answers")
        elif label in result.trained_labels:
            parts.append(f"{label}: {models.base_name} ranks your answers better")
        else:
            parts.append(f"{label}: too few yes or no answers")
    return f"Retrained on {result.answers} answers. " + "; ".join(parts) + "."


def run_terminal(session: Session, models: ScoringModels, retrainer: Retrainer | None, retrain_every: int, labels_name: str, notices: list[str]) -> int:
    """Run the full-screen session until the annotator quits; returns the exit code (0, or 130
    for Ctrl-C). Every answer is on disk before the next comment is shown."""
    from prompt_toolkit.application import Application, get_app
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    state = ScreenState(status="  ".join(notices))
    answers_at_last_retrain = session.answers_this_session
    exit_code = 0

    def screen() -> FormattedText:
        size = get_app().output.get_size()
        fragments: list[tuple[str, str]] = []
        for number, line in enumerate(render(session, state, labels_name, size.columns, size.rows)):
            if number:
                fragments.append(("", "\n"))
            fragments.extend(line)
        return FormattedText(fragments)

    def maybe_retrain() -> None:
        nonlocal answers_at_last_retrain
        if retrainer is None or retrainer.running() or retrain_every <= 0:
            return
        if session.answers_this_session - answers_at_last_retrain < retrain_every:
            return
        progress = session.progress()
        if not any(can_train(progress.positives[label], progress.negatives[label]) for label in session.chosen):
            state.model_status = f"Too few to train yet: a label needs {MIN_CLASS_TO_TRAIN} yes and {MIN_CLASS_TO_TRAIN} no answers."
            return
        answers_at_last_retrain = session.answers_this_session
        rows = retrainer.start()
        state.model_status = f"Retraining on {rows} answers in the background..."

    async def watch_retraining() -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            result = retrainer.poll() if retrainer is not None else None
            if result is None:
                continue
            if result.ok:
                state.model_status = f"Scoring with the model retrained on {result.answers} answers..."
                application.invalidate()  # (get_app() is not set in this task)
                answers = session.answers()  # here, not in the worker thread: answers keep coming
                try:
                    await asyncio.get_running_loop().run_in_executor(None, models.use_learned, retrainer.model_dir, answers)
                except Exception as error:  # noqa: BLE001 - shown on screen; the current model stays
                    result = RetrainResult(False, result.answers, [], f"the retrained model could not be used: {error}")
                else:
                    session.set_scores(models.current())
            state.model_status = progress_words(result, session, models)
            application.invalidate()
            maybe_retrain()  # answers kept coming while it trained

    bindings = KeyBindings()

    def on_any_key_close_help(event) -> bool:
        if state.help_shown:
            state.help_shown = False
            return True
        return False

    def labelled(key: str, label: str):
        @bindings.add(key)
        def _(event):
            if on_any_key_close_help(event):
                return
            if label not in session.chosen:
                state.status = f"{label} is not being annotated in this session (see --label)."
                return
            session.toggle(label)
            state.status = ""

    for key, label in LABEL_KEYS.items():
        labelled(key, label)

    @bindings.add("enter")
    def _(event):
        if on_any_key_close_help(event) or session.shown() is None:
            return
        shown = session.comments[session.shown()]
        session.save()
        state.scroll = 0
        state.status = f"Saved comment {shown.id}."
        maybe_retrain()

    @bindings.add("s")
    def _(event):
        if on_any_key_close_help(event) or session.shown() is None:
            return
        shown = session.comments[session.shown()]
        session.skip()
        state.scroll = 0
        state.status = f"Skipped comment {shown.id}."

    @bindings.add("b")
    def _(event):
        if on_any_key_close_help(event):
            return
        state.scroll = 0
        state.status = "" if session.back() else "No earlier answer to go back to."

    @bindings.add("?")
    def _(event):
        state.help_shown = not state.help_shown

    for keys, step in ((("down",), 1), (("j",), 1), (("up",), -1), (("k",), -1), (("pagedown",), 10), (("pageup",), -10)):

        @bindings.add(*keys)
        def _(event, step=step):
            if not on_any_key_close_help(event):
                state.scroll = max(0, state.scroll + step)

    @bindings.add("q")
    def _(event):
        if not on_any_key_close_help(event):
            event.app.exit()

    @bindings.add("c-c")
    def _(event):
        nonlocal exit_code
        exit_code = 130
        event.app.exit()

    @bindings.add("<any>")
    def _(event):
        on_any_key_close_help(event)

    application = Application(
        layout=Layout(Window(FormattedTextControl(screen, show_cursor=False), wrap_lines=False)),
        key_bindings=bindings,
        full_screen=True,
        mouse_support=False,
    )

    async def main() -> None:
        watcher = asyncio.ensure_future(watch_retraining())
        try:
            await application.run_async()
        finally:
            watcher.cancel()

    try:
        asyncio.run(main())
    finally:
        if retrainer is not None:
            retrainer.stop()
    return exit_code
