"""TF-IDF over our word and character n-grams, computed on word ids.

:class:`NgramTfidf` gives the same matrix as scikit-learn's
``TfidfVectorizer(analyzer=comment_word_ngrams or comment_char_ngrams, sublinear_tf=True)``
(``tests/test_vectorizer.py`` checks it), several times faster: n-grams are looked up once
per distinct word, and counting, idf and normalization are NumPy over whole corpora instead
of a Python loop per n-gram. Training refits it in every cross-validation fold, so this is
most of what makes training on tens of thousands of comments take seconds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from moderation.features.text import KEY_SHIFT, EncodedTexts, PerWordIds, WordTable, char_ngrams_of_word, pack

NGRAM_KINDS = ("words", "chars")


class NgramTfidf(TransformerMixin, BaseEstimator):
    """``ngrams="words"``: word unigrams and bigrams; ``"chars"``: within-word char 2–5-grams.

    Fitted attributes, named as scikit-learn's: ``vocabulary_`` (term → column, terms in
    sorted order) and ``idf_`` (smoothed: ln((1 + n) / (1 + df)) + 1).
    """

    def __init__(self, ngrams: str = "words"):
        self.ngrams = ngrams

    # -- n-gram occurrences as integer keys ---------------------------------------------
    def _start(self) -> None:
        if self.ngrams not in NGRAM_KINDS:
            raise ValueError(f"ngrams must be one of {NGRAM_KINDS}, got {self.ngrams!r}")
        self._table = WordTable()
        self._gram_ids: dict[str, int] = {}  # char n-gram → id
        self._grams: list[str] = []
        self._char_ids = PerWordIds(self._table)

    def _gram_ids_of_word(self, word: str) -> list[int]:
        ids = []
        for gram in char_ngrams_of_word(word):
            number = self._gram_ids.get(gram)
            if number is None:
                number = self._gram_ids[gram] = len(self._grams)
                self._grams.append(gram)
            ids.append(number)
        return ids

    def _occurrences(self, texts) -> tuple[np.ndarray, np.ndarray, int]:
        """(text, key) of every n-gram occurrence; keys identify n-grams within this vectorizer."""
        encoded: EncodedTexts = self._table.encode(list(texts))
        ids, docs = encoded.ids, encoded.docs
        if self.ngrams == "words":
            same_text = docs[1:] == docs[:-1]
            # Unigram keys are word ids; bigram keys have the (first word + 1) in the high bits.
            bigrams = pack(ids[:-1][same_text] + 1, ids[1:][same_text])
            return np.concatenate([docs, docs[:-1][same_text]]), np.concatenate([ids, bigrams]), encoded.count
        counts, grams = self._char_ids.gather(ids, self._gram_ids_of_word)
        return np.repeat(docs, counts), grams, encoded.count

    def _term(self, key: int) -> str:
        if self.ngrams == "chars":
            return self._grams[key]
        words = self._table.words
        first = key >> KEY_SHIFT
        return words[key] if first == 0 else f"{words[first - 1]} {words[key & ((1 << KEY_SHIFT) - 1)]}"

    # -- scikit-learn API -----------------------------------------------------------------
    def fit(self, texts, y=None):
        self._start()
        docs, keys, n_docs = self._occurrences(texts)
        # Document frequency: count each (text, n-gram) pair once.
        order = np.lexsort((keys, docs))
        docs, keys = docs[order], keys[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = (docs[1:] != docs[:-1]) | (keys[1:] != keys[:-1])
        keys, document_frequency = np.unique(keys[first], return_counts=True)
        terms = [self._term(int(k)) for k in keys]
        order = sorted(range(len(terms)), key=terms.__getitem__)
        self.vocabulary_ = {terms[i]: column for column, i in enumerate(order)}
        self.idf_ = np.log((1 + n_docs) / (1 + document_frequency[order])) + 1.0
        self._sorted_keys = keys  # np.unique sorted them
        self._column_of_key = np.empty(len(keys), dtype=np.int64)
        self._column_of_key[order] = np.arange(len(keys))
        return self

    def transform(self, texts) -> sp.csr_matrix:
        docs, keys, n_docs = self._occurrences(texts)
        columns = np.full(len(keys), -1, dtype=np.int64)
        if len(self._sorted_keys):
            where = np.minimum(np.searchsorted(self._sorted_keys, keys), len(self._sorted_keys) - 1)
            hit = self._sorted_keys[where] == keys
            columns[hit] = self._column_of_key[where[hit]]
        known = columns >= 0
        width = len(self.idf_)
        cells, counts = np.unique(docs[known] * width + columns[known], return_counts=True)
        rows, columns = np.divmod(cells, width)
        values = (1.0 + np.log(counts)) * self.idf_[columns]
        norms = np.sqrt(np.bincount(rows, values * values, minlength=n_docs).astype(float))
        values /= norms[rows]
        return sp.csr_matrix((values, (rows, columns)), shape=(n_docs, width))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)
