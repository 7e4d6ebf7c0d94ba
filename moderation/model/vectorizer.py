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
from moderation.features.text import WordTable, char_ngrams_of_word
from moderation.features.wordlists import IDENTITY_WORDS

NGRAM_KINDS = ("words", "chars")


class NgramNumbers:
    """Numbers for words and for char n-grams, shared by every vectorizer in the process.

    Cross-validation refits a vectorizer on overlapping rows many times; numbering each word
    and working out each word's char n-grams once per process, not once per fit, is most of
    what makes a fold cheap. Numbers are not features: each fit still picks its own vocabulary.
    """

    def __init__(self) -> None:
        self.words = WordTable()
        self.grams = WordTable()
        self._grams_of_word: list[np.ndarray] = []  # by word number
        self._identity: list[bool] = []  # by word number

    def encode(self, token_lists):
        """Token lists as word numbers."""
        return self.words.encode_tokens(token_lists)

    def identity_words(self, word_ids: np.ndarray) -> np.ndarray:
        """Whether each word is one of :data:`~moderation.features.wordlists.IDENTITY_WORDS`."""
        words, known = self.words.words, self._identity
        known.extend(word in IDENTITY_WORDS for word in words[len(known) :])
        return np.array(known, dtype=bool)[word_ids] if len(word_ids) else np.zeros(0, dtype=bool)

    def char_grams(self, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(how many char n-grams each word has, their numbers in word order)."""
        words, known = self.words.words, self._grams_of_word
        for word in words[len(known) :]:
            known.append(np.array([self.grams.id_of(g) for g in char_ngrams_of_word(word)], dtype=np.int64))
        per_word = [known[i] for i in word_ids.tolist()]
        counts = np.array([len(g) for g in per_word], dtype=np.int64)
        return counts, np.concatenate(per_word) if per_word else np.zeros(0, dtype=np.int64)


NUMBERS = NgramNumbers()


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
        encoded = NUMBERS.encode(list(token_lists))
        ids, docs = encoded.ids, encoded.docs
        words = NUMBERS.words.words
        if self.ngrams == "words":
            # N-grams with an identity word are no features (see features.text.word_ngrams).
            counted = ~NUMBERS.identity_words(ids)
            same_text = (docs[1:] == docs[:-1]) & counted[1:] & counted[:-1]
            keys = np.concatenate([ids[counted], pack(ids[:-1][same_text] + 1, ids[1:][same_text])])  # bigrams: (first + 1, second)
            docs = np.concatenate([docs[counted], docs[:-1][same_text]])
            present, numbers = np.unique(keys, return_inverse=True)
            firsts, seconds = unpack(present)
            grams = [words[b] if a == 0 else f"{words[a - 1]} {words[b]}" for a, b in zip(firsts.tolist(), seconds.tolist())]
            return docs, numbers.reshape(-1), grams, encoded.count
        distinct, word_of_token = np.unique(ids, return_inverse=True)
        counts, grams_of_distinct = NUMBERS.char_grams(distinct)
        present, local = np.unique(grams_of_distinct, return_inverse=True)
        # Each token's grams are its word's: gather them through the distinct words' runs.
        ends = np.cumsum(counts)
        token_counts = counts[word_of_token.reshape(-1)]
        starts = np.repeat(ends[word_of_token.reshape(-1)] - token_counts - (np.cumsum(token_counts) - token_counts), token_counts)
        numbers = local.reshape(-1)[starts + np.arange(int(token_counts.sum()))]
        all_grams = NUMBERS.grams.words
        return np.repeat(docs, token_counts), numbers, [all_grams[g] for g in present.tolist()], encoded.count

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
