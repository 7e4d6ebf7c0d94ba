"""NgramTfidf builds exactly the matrix scikit-learn's TfidfVectorizer builds from our analyzers,
and transforming leaves what it fitted alone."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from moderation.features.text import char_ngrams, tokenize, word_ngrams
from moderation.model.vectorizer import NgramTfidf
from tests.test_scorer import synthetic_comments


@pytest.fixture(scope="module")
def texts(seed_comments):
    others = [c.text for c in synthetic_comments([c.text for c in seed_comments], 1500)]
    fit_texts = [c.text for c in seed_comments] + others[:1000]
    new_texts = others[1000:] + ["", "only unseen zzqxw words"]
    return [tokenize(t) for t in fit_texts], [tokenize(t) for t in new_texts]


@pytest.mark.parametrize("ngrams, analyzer", [("words", word_ngrams), ("chars", char_ngrams)])
def test_same_vocabulary_idf_and_matrix_as_scikit_learn(texts, ngrams, analyzer):
    fit_texts, new_texts = texts
    ours = NgramTfidf(ngrams).fit(fit_texts)
    reference = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True).fit(fit_texts)
    assert ours.vocabulary_ == reference.vocabulary_
    np.testing.assert_allclose(ours.idf_, reference.idf_, rtol=0, atol=1e-12)
    for batch in (fit_texts, new_texts):
        mine, theirs = ours.transform(batch), reference.transform(batch)
        assert mine.shape == theirs.shape
        assert (abs(mine - theirs) > 1e-12).nnz == 0


@pytest.mark.parametrize("ngrams", ["words", "chars"])
def test_transform_does_not_change_the_fitted_vocabulary(texts, ngrams):
    fit_texts, new_texts = texts
    vectorizer = NgramTfidf(ngrams).fit(fit_texts)
    fitted = pickle.dumps(vectorizer)
    first = vectorizer.transform(new_texts)
    assert pickle.dumps(vectorizer) == fitted  # nothing learned from the new texts, not even privately
    assert (abs(vectorizer.transform(new_texts) - first) > 0).nnz == 0
