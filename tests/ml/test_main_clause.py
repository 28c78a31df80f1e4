"""The main clause the learned trigger stage reads beside the sentence (issue 15): the sentence without
its because/since/when/after clause, pooled from the encoder's token states."""

import numpy as np
import pytest

from ml.main_clause import main_clause, main_clause_vectors
from ml.text import Span, TokenStates


def main_text(sentence: str) -> str:
    return " ".join(sentence[a:z].strip() for a, z in main_clause(sentence)).strip()


@pytest.mark.parametrize(
    ("sentence", "main"),
    [
        ("I've barely slept since she moved out", "I've barely slept"),
        ("When the meeting got heated, I did my breathing.", "I did my breathing."),
        # dictated, no comma: the leading clause ends before the next subject word
        ("um when the meeting got heated i did my breathing", "um i did my breathing"),
        ("Since Mum died nobody calls on Sundays anymore.", "nobody calls on Sundays anymore."),
        ("I drink because work is awful, and then I can't sleep", "I drink , and then I can't sleep"),
    ],
)
def test_it_drops_the_because_since_when_after_clause(sentence, main):
    assert main_text(sentence) == main


@pytest.mark.parametrize(
    "sentence",
    [
        "My boss yelled at me.",
        "since the accident",  # nothing would be left
        "when i get home",  # a leading clause with no main clause after it
    ],
)
def test_a_sentence_without_a_separate_main_clause_has_none(sentence):
    assert main_clause(sentence) == []


def test_the_main_clause_vector_pools_only_its_tokens():
    sentence = "I cried because work was awful"
    words = [(0, 1), (2, 7), (8, 15), (16, 20), (21, 24), (25, 30)]
    offsets = np.array([(0, 0), *words, (0, 0)])
    hidden = np.zeros((len(offsets), 4), dtype=np.float32)
    hidden[1:3, 0] = 1.0  # "I cried"
    hidden[3:7, 1] = 1.0  # "because work was awful"
    hidden[[0, -1], 2] = 1.0  # special tokens are never pooled
    sentences = [Span(0, len(sentence), sentence), Span(0, 5, "Hello")]
    embeddings = np.eye(4, dtype=np.float32)[[3, 2]]
    vectors, spans = main_clause_vectors(sentences, embeddings, [TokenStates(hidden, offsets), None])
    assert spans == [[(0, 8)], []]
    assert np.allclose(vectors[0], [1, 0, 0, 0]) and np.allclose(vectors[1], embeddings[1])
