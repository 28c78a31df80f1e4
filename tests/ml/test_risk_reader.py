import numpy as np

from ml.risk_learned import DIM, LearnedRiskStage
from ml.risk_reader import RiskReader, make_module, pooling, top_layer_arrays, top_states
from ml.text import get_encoder, split_sentences
from ml.train_risk_reader import EXTRA, HIDDEN


def untrained_reader(encoder, gate: float) -> RiskReader:
    module = make_module(top_layer_arrays(encoder._model), DIM + EXTRA, HIDDEN)
    arrays = {name: p.detach().numpy() for name, p in module.p.items()}
    return RiskReader(None, {"version": np.array("test"), "gate": np.array(gate), "mix": np.array(0.5), **arrays})


def test_the_readers_top_layer_from_the_lower_states_gives_the_encoders_own_states_and_embeddings():
    import torch

    encoder = get_encoder()
    texts = ["I have the tablets counted out for Friday.", "ok", "Nine weeks on Friday, and it stings when I use it."]
    embeddings, tokens = encoder.encode_with_tokens(texts, lower=True)
    module = make_module(top_layer_arrays(encoder._model), DIM + EXTRA, HIDDEN).eval()
    with torch.no_grad():
        states = top_states(module, tokens, chunk=2).numpy()
        weights = pooling(tokens, np.array([0, 1, 2, 2]), [None, None, None, (0, 14)])
        pooled = weights @ states
    assert np.allclose(states, np.vstack([t.hidden for t in tokens]), atol=1e-4)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.allclose(pooled[:3], embeddings, atol=1e-4)
    assert np.allclose(pooled[3], tokens[2].pool(0, 14), atol=1e-4)


def test_the_cascade_reads_only_the_sentences_the_first_stage_finds_possibly_risky():
    encoder = get_encoder()
    stage = LearnedRiskStage(reader=untrained_reader(encoder, gate=1e9))  # a gate nothing reaches: rules only
    read = []
    logits = stage.reader.logits
    stage.reader.logits = lambda tokens, *rest: read.append(len(tokens)) or logits(tokens, *rest)
    from ml.risk import RiskRules, rule_reading

    rules = RiskRules()
    for text, expected in (
        ("I had pasta for lunch. The bus was late again.", []),
        ("I had pasta for lunch. I want to kill myself.", [1]),
    ):
        sentences = split_sentences(text)
        embeddings, tokens = encoder.encode_with_tokens([s.text for s in sentences], lower=True)
        readings = [rule_reading(*r) for r in rules.read_sentences(sentences)]
        stage.read(sentences, embeddings, tokens, readings)
        assert read == expected
        read.clear()
