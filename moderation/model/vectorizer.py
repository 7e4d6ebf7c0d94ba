"""TF-IDF over our word and character n-grams of tokenized texts.

:class:`NgramTfidf` gives the same matrix as scikit-learn's
``TfidfVectorizer(analyzer=word_ngrams or char_ngrams, sublinear_tf=True)`` on the same token
tuples (``tests/test_vectorizer.py`` checks it), several times faster: n-grams are formed once
per distinct word (or word pair), and counting, idf and normalization are NumPy over whole
corpora instead of a Python loop per n-gram. Training refits it in every cross-validation
fold, so this is most of what makes training on tens of thousands of comments take seconds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from moderation.features.sparse import pack, sublinear_tfidf, unpack
from moderation.features.text import PerWordIds, WordTable, char_ngrams_of_word

NGRAM_KINDS = ("words", "chars")


class NgramTfidf(TransformerMixin, BaseEstimator):
    """``ngrams="words"``: word unigrams and bigrams; ``"chars"``: within-word char 2–5-grams.

    Input: token tuples, one per text (:func:`moderation.features.text.tokenize`). Fitted
    attributes, named as scikit-learn's: ``vocabulary_`` (term → column, terms in sorted order)
    and ``idf_`` (smoothed: ln((1 + n) / (1 + df)) + 1).
    """

    def __init__(self, ngrams: str = "words"):
        self.ngrams = ngrams

    def _occurrences(self, token_lists) -> tuple[np.ndarray, np.ndarray, list[str], int]:
        """(text, n-gram number) of every n-gram occurrence, the n-grams by number, and how
        many texts; the numbering is this call's own."""
        if self.ngrams not in NGRAM_KINDS:
            raise ValueError(f"ngrams must be one of {NGRAM_KINDS}, got {self.ngrams!r}")
        table = WordTable()
        encoded = table.encode_tokens(list(token_lists))
        ids, docs = encoded.ids, encoded.docs
        if self.ngrams == "words":
            same_text = docs[1:] == docs[:-1]
            pairs, pair_numbers = np.unique(pack(ids[:-1][same_text], ids[1:][same_text]), return_inverse=True)
            firsts, seconds = unpack(pairs)
            words = table.words
            grams = words + [f"{words[a]} {words[b]}" for a, b in zip(firsts.tolist(), seconds.tolist())]
            numbers = np.concatenate([ids, len(words) + pair_numbers.reshape(-1)])
            return np.concatenate([docs, docs[:-1][same_text]]), numbers, grams, encoded.count
        gram_numbers: dict[str, int] = {}
        counts, numbers = PerWordIds(table).gather(
            ids, lambda word: [gram_numbers.setdefault(gram, len(gram_numbers)) for gram in char_ngrams_of_word(word)]
        )
        return np.repeat(docs, counts), numbers, list(gram_numbers), encoded.count

    def fit(self, token_lists, y=None):
        docs, numbers, grams, n_docs = self._occurrences(token_lists)
        # Document frequency: count each (text, n-gram) pair once.
        present, document_frequency = np.unique(unpack(np.unique(pack(docs, numbers)))[1], return_counts=True)
        terms = [grams[i] for i in present.tolist()]
        order = sorted(range(len(terms)), key=terms.__getitem__)
        self.vocabulary_ = {terms[i]: column for column, i in enumerate(order)}
        self.idf_ = np.log((1 + n_docs) / (1 + document_frequency[order])) + 1.0
        return self

    def transform(self, token_lists) -> sp.csr_matrix:
        docs, numbers, grams, n_docs = self._occurrences(token_lists)
        column_of = np.array([self.vocabulary_.get(gram, -1) for gram in grams], dtype=np.int64)
        columns = column_of[numbers] if len(numbers) else numbers
        known = columns >= 0
        rows, columns, values = sublinear_tfidf(docs[known], columns[known], n_docs, self.idf_)
        return sp.csr_matrix((values, (rows, columns)), shape=(n_docs, len(self.idf_)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)
