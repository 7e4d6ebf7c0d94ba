"""The hostility prior: what tens of thousands of labeled comments teach about insults, slurs
and abuse, for models trained on a few dozen.

A moderator's 30 labels, or the 47 seed comments, cannot teach what hostility looks like on
threads they never saw. The prior can: a word and char n-gram logistic regression (plus the
hostile and disparaging word-list counts) fitted once on permissively licensed public data
(``bench/build_prior.py``) and shipped as a model folder, ``models/hostility-prior``, with
its own card naming the data and licenses. Every model ``moderation train`` writes takes the
prior's decision value as a feature whose weight is penalized far less than the n-grams'
(:data:`moderation.model.pipeline.PRIOR_WEIGHT`), so a few labels reweigh it but cannot wash
it out; the trained model's arrays then hold the prior's n-grams as blocks of their own, so
scoring stays one linear model in NumPy.
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

PRIOR_LABEL = "hostile"
LEXICON_FEATURES = ("hostile_words", "disparaging_words")
"""The context features the prior weighs besides n-grams: they give every word of the lists
weight, also the words its training data never used."""

MIN_DOCUMENTS = 3  # n-grams in fewer texts are noise at this scale, and would bloat the file
LEXICON_WEIGHT = 3.0  # the lexicon columns are multiplied by this: a lighter penalty on their weights


def fit_prior(comments: list[Comment], y: np.ndarray, C: float = 1.0) -> ModelArrays:
    """Fit the prior on comments with hostile labels ``y`` (1/0); returns a model that scores
    ``hostile`` only.

    Its score is the regression's own probability (no cross-validated calibration: the
    models built on it use its decision value) and it flags at 0.5.
    """
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
    lexicon = context[:, [CONTEXT_FEATURES.index(f) for f in LEXICON_FEATURES]]
    X = sp.hstack([normalize(sp.hstack(blocks).tocsr()), sp.csr_matrix(lexicon * LEXICON_WEIGHT)]).tocsr()
    regression = LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000, random_state=0).fit(X, y)
    coef = regression.coef_[0]
    n_words, n_chars = len(vocabularies[0][0]), len(vocabularies[1][0])
    hostile = LABELS.index(PRIOR_LABEL)

    def one_label(values: np.ndarray) -> np.ndarray:
        """Coefficients of the prior's label, zero for the others; single precision is plenty
        for weights fitted on noisy labels, and halves the file every model carries."""
        out = np.zeros((len(values), len(LABELS)), dtype=np.float32)
        out[:, hostile] = values
        return out

    context_coef = np.zeros((len(LABELS), len(CONTEXT_FEATURES)))
    for k, name in enumerate(LEXICON_FEATURES):
        context_coef[hostile, CONTEXT_FEATURES.index(name)] = coef[n_words + n_chars + k] * LEXICON_WEIGHT
    trained = np.array([label == PRIOR_LABEL for label in LABELS])
    return ModelArrays(
        word_vocabulary=encode_strings(vocabularies[0][0]),
        word_idf=vocabularies[0][1].astype(np.float32),
        word_coef=one_label(coef[:n_words]),
        char_vocabulary=encode_strings(vocabularies[1][0]),
        char_idf=vocabularies[1][1].astype(np.float32),
        char_coef=one_label(coef[n_words : n_words + n_chars]),
        # The lexicon counts are never missing and are used as they are: no imputation, no scaling.
        context_fill=np.zeros(len(CONTEXT_FEATURES)),
        context_mean=np.zeros(len(CONTEXT_FEATURES)),
        context_scale=np.ones(len(CONTEXT_FEATURES)),
        context_coef=context_coef,
        intercept=np.where(trained, regression.intercept_[0], 0.0),
        calibration=np.tile([1.0, 0.0], (len(LABELS), 1)),
        trained=trained,
        thresholds=np.where(trained, 0.5, 1.0),
        base_rate=np.where(trained, float(np.mean(y)), 0.0),
        needs_content=np.zeros(len(LABELS), dtype=bool),
    )
