"""Comments in a language the model does not score: what a client sees, counted by language.

The model scores English only. Perspective answers a request in a language its attributes do
not support with a 400; Coral Talk then logs "could not determine comment toxicity" and
publishes the comment unchecked, so on a Spanish-language site every comment would pass unseen.
The operator chooses (``moderation serve --other-languages``):

- ``hold`` (the default): every requested attribute scores 1.0, above any threshold, so Coral
  withholds the comment for a moderator; ``detectedLanguages`` names the language. A site
  works on the first day and nothing passes unseen; a site in another language sees at once
  that every comment waits for a person.
- ``error``: Perspective's 400 ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE``, as Perspective answers.
- ``pass``: every requested attribute scores 0.0: the comment is published unchecked.

A comment is in such a language when the request names one (``languages``), or when its
language is detected as one (:func:`moderation.server.perspective.unscored_language`). Every
answer of the policy is counted by language, logged, and shown by ``/healthz``.
"""

from __future__ import annotations

import logging
from collections import Counter

from moderation.server.perspective import AnalyzeRequest, analyze_response, language_error, unscored_language
from moderation.server.scoring import SCORED_LANGUAGES

log = logging.getLogger("moderation.server")

POLICIES = {"hold": 1.0, "error": None, "pass": 0.0}
"""Each policy, and the score every requested attribute gets under it (None: Perspective's 400)."""
DEFAULT_POLICY = "hold"
VERB = {"hold": "held for a person", "pass": "passed unchecked", "error": "refused"}


class LanguagePolicy:
    """Answers comments in languages the model does not score, as the operator chose, and
    counts the answers by language (per process)."""

    def __init__(self, policy: str = DEFAULT_POLICY):
        if policy not in POLICIES:
            raise ValueError(f"unknown language policy {policy!r}; choose one of {', '.join(POLICIES)}")
        self.policy = policy
        self.counts: Counter[str] = Counter()

    def answer(self, request: AnalyzeRequest, language: str) -> dict:
        """The response to ``request``, a comment in ``language`` (not scored), counted and
        logged; Perspective's 400 (raised) under the ``error`` policy."""
        self.counts[language] += 1
        log.info(
            "a comment in %s was %s (languages scored: %s; --other-languages %s): %d so far in %s",
            language, VERB[self.policy], ", ".join(SCORED_LANGUAGES), self.policy, self.counts[language], language,
        )  # fmt: skip
        score = POLICIES[self.policy]
        if score is None:
            # The request's languages when it names one the model does not score, as Perspective
            # answers; else the detected language, not the "en" a Coral site sends for every locale.
            named = request.languages if unscored_language(request.languages, None) else [language]
            raise language_error(request.attributes[0].name if request.attributes else "TOXICITY", named)
        whole = [(0, len(request.text))]
        return analyze_response(request, whole, {attribute.label: [score] for attribute in request.attributes}, detected=language)

    def health(self) -> dict:
        """What ``/healthz`` says of it: the languages scored, the policy, the counts so far."""
        return {"scored": list(SCORED_LANGUAGES), "policy": self.policy, "counts": dict(sorted(self.counts.items()))}

    def describe(self) -> str:
        """One line for the start-up log."""
        score = POLICIES[self.policy]
        what = "Perspective's 400" if score is None else f"every requested attribute scores {score:.1f}"
        return f"languages scored: {', '.join(SCORED_LANGUAGES)}; a comment in another language is {VERB[self.policy]} ({what}; --other-languages {self.policy})"
