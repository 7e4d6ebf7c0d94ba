"""Inputs shared by the `moderation annotate` tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.conftest import SEED_CSV

ARTICLES = {
    "t1": "Cuba and North Korea: a visit\n\nThe Cuban vice president toured North Korea this week, meeting its leaders.",
    "t2": "Ferry service resumes in April\n\nThe council confirmed the ferry to the island will run again from 1 April.",
}


def seed_texts() -> list[str]:
    with open(SEED_CSV, encoding="utf-8", newline="") as stream:
        return [row["text"] for row in csv.DictReader(stream)]


def write_comments(path: Path, count: int = 30) -> Path:
    """A CSV of ``count`` comments in two threads, with authors, replies and articles."""
    texts = seed_texts()
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "thread_id", "parent_id", "author", "article", "text"])
        for number in range(1, count + 1):
            thread = "t1" if number % 2 else "t2"
            parent = f"c{number - 2}" if number > 2 and number % 3 == 0 else ""
            writer.writerow([f"c{number}", thread, parent, f"user{number % 7}", ARTICLES[thread], texts[number % len(texts)]])
    return path


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_answers(path: Path, answers: list[dict]) -> Path:
    path.write_text("".join(json.dumps(answer) + "\n" for answer in answers), encoding="utf-8")
    return path
