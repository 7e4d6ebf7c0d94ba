"""Every CSV this tool writes reads back, through our own readers, exactly as written, whatever
a commenter typed: the annotate labels file, the server's feedback file and `label --out x.csv`.

The one exception is what a UTF-8 CSV cannot hold: lone surrogates (invalid Unicode, possible
from JSON's "\\ud800") and NUL (which our readers refuse as the mark of a binary file) are
written as U+FFFD, with a note.
"""

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.annotate.labels_file import LabelsFile, key_of
from moderation.comments import Comment
from moderation.commands.label import label_file
from moderation.io.labeled import load_training_data
from moderation.io.readers import read_comments
from moderation.io.writers import csv_row, writable_cells
from moderation.server.feedback import FeedbackFile, check_feedback_file, feedback_row

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Any character (surrogates included), and the ones that matter to CSV and line readers, often.
PIECES = ["\r", "\n", "\r\n", "\n\r", '"', '""', ",", "\x00", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\ufeff",
          "=", "=1+2", "+", "-", "@", " ", "\t", "\ud800", "\udfff", "é", "😀", "sep=;", "text", "'"]  # fmt: skip
ANY_TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(st.characters(exclude_categories=()), max_size=8)), max_size=12).map("".join)
UNWRITABLE = re.compile("[\x00\ud800-\udfff]")
# The server answers a request holding a lone surrogate with 400 before any feedback is written.
REQUEST_TEXT = ANY_TEXT.map(lambda text: re.sub("[\ud800-\udfff]", "", text))


def as_written(text: str) -> str:
    """What a CSV of ours holds for ``text``."""
    return UNWRITABLE.sub("\ufffd", text)


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=9))
def test_a_row_reads_back_cell_for_cell(tmp_path, cells):
    cells, _ = writable_cells(cells)
    path = tmp_path / "row.csv"
    path.write_bytes((csv_row(["text", *[f"c{n}" for n in range(len(cells))]]) + csv_row(["x", *cells])).encode("utf-8"))
    (comment,) = read_comments(path)
    assert [comment.row[f"c{n}"] for n in range(len(cells))] == cells


@SETTINGS
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT, st.sampled_from([0, 1])), min_size=1, max_size=6, unique_by=lambda row: row[0]))
def test_the_annotate_labels_file_reads_back_as_written(tmp_path, rows):
    path = tmp_path / "labels.csv"
    path.unlink(missing_ok=True)
    comments = [Comment(text=f"{n} {text}", id=f"c{n}", thread_id="t", author=author, article=article) for n, (text, author, article, _) in enumerate(rows)]
    with LabelsFile(path) as labels:
        for comment, (*_, hostile) in zip(comments, rows):
            labels.save(comment, {"hostile": hostile})
        labels.save(comments[0], {"off_topic": 1})  # a rewrite as well as appends
    with LabelsFile(path) as reopened:  # annotate's own reader, which repairs nothing here
        assert reopened.repair is None
        for comment, (*_, hostile) in zip(comments, rows):
            row = reopened.rows[key_of(comment)]
            assert (row["text"], row["author"], row["article"]) == tuple(map(as_written, (comment.text, comment.author, comment.article)))
            assert reopened.labels_of(key_of(comment))["hostile"] == hostile
    read = list(read_comments(path))  # the readers every command uses
    assert [(c.text, c.author, c.article, c.labels["hostile"]) for c in read] == [
        (as_written(c.text), as_written(c.author), as_written(c.article), hostile) for c, (*_, hostile) in zip(comments, rows)
    ]
    trained_on = load_training_data([path]).comments  # training's reader
    assert [c.text for c in trained_on] == [as_written(c.text) for c in comments]


@SETTINGS
@given(st.lists(st.tuples(REQUEST_TEXT, REQUEST_TEXT), min_size=1, max_size=6))
def test_the_feedback_file_reads_back_as_written(tmp_path, suggestions):
    path = tmp_path / "feedback.csv"
    path.unlink(missing_ok=True)
    feedback = FeedbackFile(path)
    rows = [feedback_row(f"{n} {text}", {"hostile": n % 2}, article, comment_id=f"s{n}") for n, (text, article) in enumerate(suggestions)]
    for row in rows:
        feedback.append([row])
    check_feedback_file(path)  # what `serve` checks on start-up
    read = list(read_comments(path))
    assert [(c.text, c.article, c.thread_id) for c in read] == [(as_written(r["text"]), as_written(r["article"]), r["thread_id"]) for r in rows]
    trained_on = load_training_data([path]).comments
    assert [(c.text, c.labels["hostile"]) for c in trained_on] == [(as_written(r["text"]), int(r["hostile"])) for r in rows]


@SETTINGS
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT), min_size=1, max_size=6))
def test_label_out_csv_reads_back_as_written(shipped_model, tmp_path, comments):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"c{n}", "text": text, "author": author}) + "\n" for n, (text, author) in enumerate(comments)), encoding="utf-8")
    output = tmp_path / "out.csv"
    label_file(source, output, shipped_model, shipped_model.thresholds, quiet=True)
    read = list(read_comments(output))
    # JSON joins a high and a low surrogate written one after the other into one character.
    comments = [(json.loads(json.dumps(text)), json.loads(json.dumps(author))) for text, author in comments]
    assert [(c.id, c.text, c.author) for c in read] == [(f"c{n}", as_written(text), as_written(author)) for n, (text, author) in enumerate(comments)]
    for comment, (text, author) in zip(read, comments):
        replaced = UNWRITABLE.search(text + author) is not None
        assert ("replaced with U+FFFD" in comment.row["note"]) == replaced
