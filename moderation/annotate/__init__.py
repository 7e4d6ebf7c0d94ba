"""``moderation annotate``: label a site's own comments, the most informative first.

- :mod:`~moderation.annotate.moderation_access`: the only door to the rest of moderation (readers,
  models, scoring, training).
- :mod:`~moderation.annotate.labels_file`: the labels file, durable and always valid CSV.
- :mod:`~moderation.annotate.ordering`: uncertainty sampling mixed with random picks.
- :mod:`~moderation.annotate.session`: the state of a session, without a terminal.
- :mod:`~moderation.annotate.scoring_models`, :mod:`~moderation.annotate.retrain`: the models behind
  the order, and retraining them in the background.
- :mod:`~moderation.annotate.terminal`, :mod:`~moderation.annotate.script`: the two ways to
  drive a session; :mod:`~moderation.annotate.run` starts either.
"""
