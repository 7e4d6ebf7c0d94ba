"""``moderation review`` and ``label --html``: a labeled export as threads in the browser.

- :mod:`~moderation.review.model_access`: the only door to the model layer (scores, flags,
  explanations, the word lists behind the context features).
- :mod:`~moderation.review.threads`: threads as a moderator sees them: reply nesting, articles,
  authors, times and statuses.
- :mod:`~moderation.review.highlights`: where in a comment's text the features that raised a
  flag are, and the reasons in words.
- :mod:`~moderation.review.records`: the JSON the page shows: a compact index of every comment
  and, per comment, what a moderator reads.
- :mod:`~moderation.review.state`: a review session: answers (through annotate's labels file),
  retraining (annotate's), explanations on demand.
- :mod:`~moderation.review.app`, :mod:`~moderation.review.run`: the local web server and its
  safety checks (session token, Host and Origin, Content-Security-Policy).
- :mod:`~moderation.review.report`: the static, self-contained HTML report.
- ``static/``: the page's HTML, CSS and script, written by hand (no build step); the report
  inlines the same files.
"""
