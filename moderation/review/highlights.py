"""Where in a comment the features that raised a flag are, and what each feature means in words.

An explanation (``score --explain``) names the words and phrases of the comment that raised
a score (``idiot``, ``you are``, ``all of you``; with the word lists that matched them) and
features of the comment as a whole (``context length``); a feature named as the model knows it
(``chars 'idi'``, ``prior: …``, ``context hostile_words``) is understood too. Words, phrases
and n-grams are found in the text's words; a context feature that counts words of a list marks
the words of that list; features about the comment as a whole (its length, how much it shares
with its article) have no place in the text and are said in words only.

Offsets are counted in UTF-16 code units, as JavaScript strings index, and only the first
:data:`~moderation.review.model_access.MAX_TEXT_CHARS` characters (the part that was scored)
are searched; at most :data:`MAX_SPANS` spans are kept, the first in the text.
"""

from __future__ import annotations

import bisect
import re

from moderation.review.model_access import GROUP_ADDRESS, LABELS, MAX_TEXT_CHARS, WORD_LISTS

MAX_SPANS = 400
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
GROUP = re.compile(GROUP_ADDRESS.pattern, re.IGNORECASE)
ASTRAL = re.compile("[\U00010000-\U0010ffff]")
PRIOR = "prior: "
CHARS = re.compile(r"chars '(.*)'", re.DOTALL)

# Context features in words; for the counts of words and phrases: (when the comment has some,
# when it has none: then the feature raised the score by the comment having fewer than most).
CONTEXT_REASONS = {
    "hostile_words": ("insults or profanity from the word list", "no insults or profanity"),
    "disparaging_words": ("accusing or disparaging words (liar, corrupt, …)", "no accusing or disparaging words"),
    "second_person": ("speaks to the reader (you, your)", "does not speak to the reader"),
    "addresses_group": ("addresses the commenters as a group (you people, all of you)", "does not address the commenters as a group"),
    "names_participant": "whether it names another participant of the thread",
    "addresses_parent": "whether it speaks to the person it replies to",
    "length": "its length",
    "article_similarity": "how many words it shares with the article",
    "article_evidence": "how much there is to compare with the article",
    "thread_similarity": "how many words it shares with the rest of the thread",
    "thread_evidence": "how much there is to compare with the thread",
    "parent_similarity": "how many words it shares with the comment it replies to",
    "parent_evidence": "how much there is to compare with the comment it replies to",
    "is_reply": "whether it replies to another comment",
    "links": ("links, e-mail addresses or phone numbers", "no links, e-mail addresses or phone numbers"),
    "promotion": ("advertising phrases or money offered by the hour or month", "no advertising phrases"),
}


def reason(feature: str, found: bool = True, matched: tuple[str, ...] = ()) -> str:
    """A feature's name in words, for the reasons list; ``found``: whether the words or
    phrases a context feature counts are in the text; ``matched``: the context features whose
    word lists matched a word or phrase."""
    if matched:
        return f"“{feature}”: " + "; ".join(context_reason(name) for name in matched)
    prior = feature.startswith(PRIOR)
    name = feature[len(PRIOR) :] if prior else feature
    if name.startswith("context "):
        return context_reason(name[len("context ") :], found)
    chars = CHARS.fullmatch(name)
    if chars:
        words = f"words containing “{chars.group(1).strip()}”"
    elif name == "xxurl":
        words = "a link"
    elif name == "xxuser":
        words = "an @mention"
    else:
        words = f"“{name}”"
    return f"{words} (hostility prior)" if prior else words


def context_reason(name: str, found: bool = True) -> str:
    """A context feature in words (its name if it has none); ``found`` as for :func:`reason`."""
    words = CONTEXT_REASONS.get(name, name)
    return words if isinstance(words, str) else words[0 if found else 1]


def utf16_offsets(text: str, positions: list[int]) -> list[int]:
    """Code-point positions in ``text`` as UTF-16 offsets (characters beyond U+FFFF count two)."""
    astral = [match.start() for match in ASTRAL.finditer(text)]
    return [position + bisect.bisect_left(astral, position) for position in positions]


class TextWords:
    """The words of a text (its scored part) with their offsets, lowercased as the model sees them."""

    def __init__(self, text: str):
        self.text = text[:MAX_TEXT_CHARS]
        self.spans = [(m.start(), m.end()) for m in WORD.finditer(self.text)]
        self.words = [self.text[s:e].lower().replace("’", "'") for s, e in self.spans]
        self.positions: dict[str, list[int]] = {}
        for index, word in enumerate(self.words):
            self.positions.setdefault(word, []).append(index)

    def phrase(self, words: list[str]) -> list[tuple[int, int]]:
        """Where a sequence of words occurs, one word after the other."""
        found = []
        for index in self.positions.get(words[0], []):
            if self.words[index : index + len(words)] == words:
                found.append((self.spans[index][0], self.spans[index + len(words) - 1][1]))
        return found

    def containing(self, gram: str) -> list[tuple[int, int]]:
        """The words whose padded form (`` word ``) contains a character n-gram."""
        return [self.spans[i] for word, indices in self.positions.items() if gram in f" {word} " for i in indices]

    def listed(self, words: frozenset[str]) -> list[tuple[int, int]]:
        """The words that are in a word list."""
        return [self.spans[i] for word, indices in self.positions.items() if word in words for i in indices]


def feature_spans(words: TextWords, feature: str) -> list[tuple[int, int]]:
    """Where in the text a feature is (empty for features of the comment as a whole)."""
    name = feature[len(PRIOR) :] if feature.startswith(PRIOR) else feature
    if name.startswith("context "):
        context = name[len("context ") :]
        if context in WORD_LISTS:
            return words.listed(WORD_LISTS[context])
        if context == "addresses_group":
            return [match.span() for match in GROUP.finditer(words.text)]
        return []
    chars = CHARS.fullmatch(name)
    if chars:
        return words.containing(chars.group(1))
    if name == "xxurl":
        return [match.span() for match in URL.finditer(words.text)]
    return words.phrase(name.split(" "))


def highlights(text: str, explanations: dict[str, list[tuple]]) -> tuple[list[list], bool, set[str]]:
    """The spans to highlight, ``[start, end, label indices, features]`` in UTF-16 offsets,
    sorted and not overlapping (where features overlap, a span carries them all); whether
    spans were left out beyond :data:`MAX_SPANS`; and the features found in the text."""
    if not explanations:
        return [], False, set()
    words = TextWords(text)
    marks = []  # (start, end, label index, feature)
    for label, features in explanations.items():
        for feature, *_ in features:
            marks += [(start, end, LABELS.index(label), feature) for start, end in feature_spans(words, feature)]
    found = {mark[3] for mark in marks}
    if not marks:
        return [], False, found
    boundaries = sorted({offset for start, end, *_ in marks for offset in (start, end)})
    marks.sort()
    spans, active, next_mark = [], [], 0
    for start, end in zip(boundaries, boundaries[1:]):
        while next_mark < len(marks) and marks[next_mark][0] <= start:
            active.append(marks[next_mark])
            next_mark += 1
        active = [mark for mark in active if mark[1] > start]
        if not active:
            continue
        labels = sorted({mark[2] for mark in active})
        features = sorted({mark[3] for mark in active})
        if spans and spans[-1][1] == start and spans[-1][2] == labels and spans[-1][3] == features:
            spans[-1][1] = end  # one span across adjacent pieces with the same features
        else:
            spans.append([start, end, labels, features])
        if len(spans) > MAX_SPANS:
            break
    cut = len(spans) > MAX_SPANS
    spans = spans[:MAX_SPANS]
    offsets = utf16_offsets(words.text, [offset for span in spans for offset in span[:2]])
    for number, span in enumerate(spans):
        span[0], span[1] = offsets[2 * number], offsets[2 * number + 1]
    return spans, cut, found
