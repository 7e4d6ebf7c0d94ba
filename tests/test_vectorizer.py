"""NgramTfidf builds exactly the matrix scikit-learn's TfidfVectorizer builds from our analyzers."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from moderation.features.text import comment_char_ngrams, comment_word_ngrams
from moderation.model.vectorizer import NgramTfidf
from tests.test_compact import synthetic_comments


@pytest.fixture(scope="module")
def texts(seed_comments):
    others = [c.text for c in synthetic_comments([c.text for c in seed_comments], 1500)]
    return [c.text for c in seed_comments] + others[:1000], others[1000:] + ["", "only unseen zzqxw words"]


@pytest.mark.parametrize("ngrams, analyzer", [("words", comment_word_ngrams), ("chars", comment_char_ngrams)])
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
