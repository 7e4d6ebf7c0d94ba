"""The mode for scripts and tests: ``--next K [--json]`` and ``--answers FILE``, no terminal.

An answers file is JSON Lines, one object per comment::

    {"key": "3f2a…", "hostile": 1, "ad_hominem": 0}
    {"id": "17", "thread_id": "101", "skip": true}

A comment is named by the ``key`` that ``--next --json`` prints, or by ``id`` (plus
``thread_id`` when ids repeat across threads). Each object gives 1/0 (or true/false) for every
label being annotated, or ``"skip": true``. The whole file is checked before anything is
written; then its answers are saved together, as the terminal would save them one by one.
"""

from __future__ import annotations

from pathlib import Path

from moderation.annotate.moderation_access import LABELS, Comment, InputError, read_json_line
from moderation.annotate.session import Session

ANSWER_VALUES = {1: 1, 0: 0, "1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}  # JSON true/false equal 1/0


def next_records(session: Session, count: int) -> list[dict]:
    """The ``count`` comments to label next, with their context and scores."""
    return [{"position": number, **session.record(index)} for number, index in enumerate(session.upcoming(count), start=1)]


def next_text(records: list[dict]) -> str:
    """``--next`` without ``--json``: a short human-readable list."""
    if not records:
        return "Every comment of this input is answered for the chosen labels.\n"
    lines = []
    for record in records:
        scores = "  ".join(f"{label} {s:.2f}" for label, s in record["scores"].items() if s is not None)
        where = f"thread {record['thread_id']}, " if record["thread_id"] else ""
        lines.append(f"{record['position']}. comment {record['id']} ({where}key {record['key']}, {record['picked']}): {scores}")
        text = " ".join(record["text"].split())
        lines.append("   " + (text if len(text) <= 200 else text[:197] + "..."))
    return "\n".join(lines) + "\n"


def find_comment(session: Session, answer: dict, name: str, line: int) -> int:
    """The input position of the comment an answer names."""
    if "key" in answer:
        index = session.index_of.get(str(answer["key"]))
        if index is None:
            raise InputError(f"no comment of the input has key {answer['key']!r}; use a key that --next --json printed", name, line)
        return index
    if "id" not in answer:
        raise InputError('name the comment with "key" (as --next --json prints it) or "id"', name, line)
    wanted_id = str(answer["id"])
    wanted_thread = None if answer.get("thread_id") is None else str(answer["thread_id"])
    matches = [
        index
        for index in session.index_of.values()
        if session.comments[index].id == wanted_id and (wanted_thread is None or session.comments[index].thread_id == wanted_thread)
    ]
    if not matches:
        where = f" in thread {wanted_thread!r}" if wanted_thread is not None else ""
        raise InputError(f"no comment with id {wanted_id!r}{where} in the input (comments without text cannot be answered)", name, line)
    if len(matches) > 1:
        raise InputError(f"{len(matches)} comments have id {wanted_id!r}; add \"thread_id\" or use \"key\"", name, line)
    return matches[0]


def parse_answer(session: Session, answer: dict, name: str, line: int) -> dict[str, int]:
    """The label values of one answer object (``{}`` for a skip)."""
    if answer.get("skip") is True:
        return {}
    given = [label for label in LABELS if label in answer]
    others = [label for label in given if label not in session.chosen]
    if others:
        raise InputError(
            f"{', '.join(others)} is not being annotated (the labels are {', '.join(session.chosen)}; choose with --label)", name, line
        )
    missing = [label for label in session.chosen if label not in answer]
    if missing:
        raise InputError(f'no value for {", ".join(missing)}; give 1 or 0 for each of {", ".join(session.chosen)}, or "skip": true', name, line)
    values = {}
    for label in session.chosen:
        value = answer[label]
        if isinstance(value, str):
            value = value.strip().lower()
        if not isinstance(value, (bool, int, str)) or value not in ANSWER_VALUES:
            raise InputError(f"{label} = {answer[label]!r} is not an answer; use 1 or 0 (or true/false)", name, line)
        values[label] = ANSWER_VALUES[value]
    return values


def read_answers(session: Session, path: Path) -> list[tuple[int, dict[str, int]]]:
    """Every answer of the file, checked: (input position, label values)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file; check the path of --answers", name) from None
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 (byte offset {error.start}); write the answers as UTF-8 JSON Lines", name) from None
    except OSError as error:
        raise InputError(f"cannot read the answers ({error.strerror or error})", name) from None
    answers: list[tuple[int, dict[str, int]]] = []
    first_line: dict[int, int] = {}
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        answer = read_json_line(content, name, line)
        index = find_comment(session, answer, name, line)
        if index in first_line:
            raise InputError(f"a second answer for the comment answered on line {first_line[index]}; keep one", name, line)
        first_line[index] = line
        answers.append((index, parse_answer(session, answer, name, line)))
    if not answers:
        raise InputError("no answers in the file; write one JSON object per line", name)
    return answers


def apply_answers(session: Session, path: Path) -> str:
    """Save every answer of an answers file; returns a one-line summary."""
    answers = read_answers(session, path)
    to_save: list[tuple[Comment, dict[str, int]]] = []
    changed = skipped = 0
    for index, labels in answers:
        earlier = session.labels_file.labels_of(session.keys[index])
        if not labels:
            skipped += 1
            if earlier is not None:
                continue  # a skip leaves an earlier answer as it was
        elif earlier is not None:
            changed += 1
        to_save.append((session.comments[index], labels))
    session.labels_file.save_many(to_save)
    progress = session.progress()
    return (
        f"{len(answers)} answers applied to {session.labels_file.path} ({changed} replaced earlier answers, {skipped} skips); "
        f"{progress.answered:,} of {progress.total:,} comments done"
    )
