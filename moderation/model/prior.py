"""The prior: what tens of thousands of public comments teach about insults and about spam, for
models trained on a few dozen labels.

A moderator's 30 labels, or the seed threads, cannot teach what hostility or spam looks like on
threads they never saw. The prior can: per label, a word and char n-gram logistic regression
(plus a few word-list counts, :data:`LEXICON_FEATURES`) fitted once on permissively licensed
public data (``models/build.py``) and shipped as a model folder, ``models/prior``, whose card
names the data and licenses. It scores hostile (from toxicity data) and off_topic (from spam:
self-promotion is off-topic wherever it is posted); ad_hominem has no public data of its own.

Every model ``moderation train`` writes takes the prior's decision values as features whose
weights are penalized far less than the n-grams' (:data:`moderation.model.pipeline.PRIOR_WEIGHT`),
so a few labels reweigh the prior but cannot wash it out; the trained model's arrays then hold
the prior's n-grams as blocks of their own, weighted per label, so scoring stays one linear
model in NumPy.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from moderation.comments import LABELS, Comment
from moderation.features.context import CONTEXT_FEATURES, WordFacts, whole_thread_features
from moderation.model.format import ModelArrays, encode_strings
from moderation.model.vectorizer import NgramTfidf

LEXICON_FEATURES = {
    "hostile": ("hostile_words", "disparaging_words"),
    "off_topic": ("links", "promotion"),
}
"""Per label the prior can learn, the context features it weighs besides n-grams: they give
every word or pattern of the lists weight, also those its training data never used. They are
counts of the text alone, never missing and never shrunk."""

MIN_DOCUMENTS = 3  # n-grams in fewer texts are noise at this scale, and would bloat the file
LEXICON_WEIGHT = 3.0  # the lexicon columns are multiplied by this: a lighter penalty on their weights


def fit_prior(comments: list[Comment], Y: np.ndarray, C: float = 1.0) -> ModelArrays:
    """Fit the prior on comments with labels ``Y`` (one column per label of :data:`LABELS`:
    1, 0, or NaN where a comment is not labeled for it); returns a model that scores the labels
    of :data:`LEXICON_FEATURES` that have examples of both classes.

    All labels share one vocabulary (n-grams in at least :data:`MIN_DOCUMENTS` texts); each is
    fitted on the rows labeled for it. Its scores are the regressions' own probabilities (no
    cross-validated calibration: the models built on it use its decision values) and it flags
    at 0.5.
    """
    Y = np.asarray(Y, dtype=float)
    facts = WordFacts()
    encoded, context = whole_thread_features(facts, comments)
    tokens = facts.table.tokens(encoded)
    blocks, vocabularies = [], []
    for kind in ("words", "chars"):
        vectorizer = NgramTfidf(kind).fit(tokens)
        counts = vectorizer.transform(tokens)
        keep = np.asarray((counts > 0).sum(axis=0)).ravel() >= MIN_DOCUMENTS
        terms = vectorizer.get_feature_names_out()[keep]
        blocks.append(counts[:, keep])
        vocabularies.append((list(terms), vectorizer.idf_[keep]))
    # Rows are normalized again over the kept n-grams: what the scorer computes.
    ngrams = normalize(sp.hstack(blocks).tocsr())
    n_words, n_chars = len(vocabularies[0][0]), len(vocabularies[1][0])
    # Single precision is plenty for weights fitted on noisy labels, and halves the file.
    word_coef = np.zeros((n_words, len(LABELS)), dtype=np.float32)
    char_coef = np.zeros((n_chars, len(LABELS)), dtype=np.float32)
    context_coef = np.zeros((len(LABELS), len(CONTEXT_FEATURES)))
    intercept, trained, base_rate = np.zeros(len(LABELS)), np.zeros(len(LABELS), dtype=bool), np.zeros(len(LABELS))
    for label, lexicon_names in LEXICON_FEATURES.items():
        j = LABELS.index(label)
        rows = ~np.isnan(Y[:, j])
        y = Y[rows, j]
        if len(np.unique(y)) < 2:
            continue
        columns = [CONTEXT_FEATURES.index(name) for name in lexicon_names]
        X = sp.hstack([ngrams[rows], sp.csr_matrix(context[rows][:, columns] * LEXICON_WEIGHT)]).tocsr()
        regression = LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000, random_state=0).fit(X, y)
        coef = regression.coef_[0]
        word_coef[:, j], char_coef[:, j] = coef[:n_words], coef[n_words : n_words + n_chars]
        context_coef[j, columns] = coef[n_words + n_chars :] * LEXICON_WEIGHT
        intercept[j], trained[j], base_rate[j] = regression.intercept_[0], True, float(np.mean(y))
    return ModelArrays(
        word_vocabulary=encode_strings(vocabularies[0][0]),
        word_idf=vocabularies[0][1].astype(np.float32),
        word_coef=word_coef,
        char_vocabulary=encode_strings(vocabularies[1][0]),
        char_idf=vocabularies[1][1].astype(np.float32),
        char_coef=char_coef,
        # The lexicon counts are never missing and are used as they are: no imputation, no scaling.
        context_fill=np.zeros(len(CONTEXT_FEATURES)),
        context_mean=np.zeros(len(CONTEXT_FEATURES)),
        context_scale=np.ones(len(CONTEXT_FEATURES)),
        context_coef=context_coef,
        intercept=intercept,
        calibration=np.tile([1.0, 0.0], (len(LABELS), 1)),
        trained=trained,
        thresholds=np.where(trained, 0.5, 1.0),
        base_rate=base_rate,
        needs_content=np.zeros(len(LABELS), dtype=bool),
    )
