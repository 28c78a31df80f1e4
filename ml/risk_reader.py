"""The risk reader: the sentence encoder's top transformer layer, fine-tuned, with a small head.

A cascade stage after the learned risk stage (ml.risk_learned): it reads only the units (sentences
and clause windows) of sentences the first stage already finds possibly risky (a rule hit, or an
any-risk score above a low gate), so the text-analysis pipeline pays for it on few sentences. It
never encodes again: its input is the lower layer's token states from the pipeline's single
forward pass (``TokenStates.lower``), which it runs through its own copy of the top layer (started
from all-MiniLM-L6-v2's and trained, ``python -m ml.train_risk_reader``), then pools each unit's
tokens as the encoder pools a sentence. Its head reads that pooled vector with the unit's scope
flags and its sentence's rule reading, and has the learned stage's ladder of outputs: any risk,
alert, and the alert level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ml.text import TokenStates

DIM = 384

READER_FILE = Path(__file__).resolve().parent / "data" / "risk_reader.npz"
HEADS = 12
LAYER = ("q_w", "q_b", "k_w", "k_b", "v_w", "v_b", "o_w", "o_b", "ln1_g", "ln1_b", "i_w", "i_b", "f_w", "f_b")
LAYER += ("ln2_g", "ln2_b")
HEAD = ("h1_w", "h1_b", "h2_w", "h2_b")


def top_layer_arrays(model) -> dict[str, np.ndarray]:
    """A transformers BertModel's last layer as the named arrays ``TopLayer`` takes (weights as x @ w)."""
    layer = model.encoder.layer[-1]
    parts = {
        "q": layer.attention.self.query,
        "k": layer.attention.self.key,
        "v": layer.attention.self.value,
        "o": layer.attention.output.dense,
        "i": layer.intermediate.dense,
        "f": layer.output.dense,
    }
    out = {}
    for name, linear in parts.items():
        out[f"{name}_w"] = linear.weight.detach().numpy().T.copy()
        out[f"{name}_b"] = linear.bias.detach().numpy().copy()
    for name, norm in (("ln1", layer.attention.output.LayerNorm), ("ln2", layer.output.LayerNorm)):
        out[f"{name}_g"] = norm.weight.detach().numpy().copy()
        out[f"{name}_b"] = norm.bias.detach().numpy().copy()
    return out


def make_module(arrays: dict[str, np.ndarray], head_inputs: int, hidden: int):
    """The reader as a torch module (training and inference share it)."""
    import torch

    class Reader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.p = torch.nn.ParameterDict()
            for name in LAYER:
                self.p[name] = torch.nn.Parameter(torch.as_tensor(np.asarray(arrays[name], dtype=np.float32)))
            dim = arrays["q_w"].shape[0]
            for name, shape in (
                ("h1_w", (head_inputs, hidden)),
                ("h1_b", (hidden,)),
                ("h2_w", (hidden, 6)),
                ("h2_b", (6,)),
            ):
                value = arrays.get(name)
                if value is None:
                    value = (
                        np.random.default_rng(0).normal(0, 1 / math.sqrt(shape[0]), shape)
                        if name.endswith("w")
                        else np.zeros(shape)
                    )
                self.p[name] = torch.nn.Parameter(torch.as_tensor(np.asarray(value, dtype=np.float32)))
            self.dim = dim
            self.dropout = torch.nn.Dropout(0.2)

        def layer(self, x, mask):
            """x: (batch, tokens, dim) lower states; mask: (batch, tokens) 1 for real tokens."""
            p, f = self.p, torch.nn.functional
            b, t, d = x.shape
            h = d // HEADS

            def split(z):
                return z.view(b, t, HEADS, h).transpose(1, 2)

            q, k, v = (split(x @ p[f"{n}_w"] + p[f"{n}_b"]) for n in "qkv")
            scores = q @ k.transpose(-1, -2) / math.sqrt(h) + (1.0 - mask[:, None, None, :]) * -1e4
            context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
            a = f.layer_norm(context @ p["o_w"] + p["o_b"] + x, (d,), p["ln1_g"], p["ln1_b"], 1e-12)
            inner = f.gelu(a @ p["i_w"] + p["i_b"])
            return f.layer_norm(inner @ p["f_w"] + p["f_b"] + a, (d,), p["ln2_g"], p["ln2_b"], 1e-12)

        def head(self, pooled, extra):
            p = self.p
            z = torch.cat([torch.nn.functional.normalize(pooled, dim=-1), extra], dim=-1)
            z = self.dropout(torch.relu(z @ p["h1_w"] + p["h1_b"]))
            return z @ p["h2_w"] + p["h2_b"]

    return Reader()


def pooling(
    tokens: Sequence[TokenStates], unit_sentence: np.ndarray, unit_window: Sequence[tuple[int, int] | None]
) -> np.ndarray:
    """(units, all tokens) weights that average each unit's tokens among the sentences' tokens laid
    end to end: a whole sentence (window None) all its tokens, special ones included (as the encoder
    pools), a clause window the tokens inside it (as ``TokenStates.pool``)."""
    starts = np.cumsum([0] + [len(t.offsets) for t in tokens])
    out = np.zeros((len(unit_sentence), starts[-1]), np.float32)
    for u, (s, window) in enumerate(zip(unit_sentence, unit_window, strict=True)):
        offsets = tokens[s].offsets
        if window is None:
            inside = np.ones(len(offsets), bool)
        else:
            start, end = window
            inside = (offsets[:, 0] >= start) & (offsets[:, 1] <= end) & (offsets[:, 1] > offsets[:, 0])
        out[u, starts[s] : starts[s + 1]] = inside / max(int(inside.sum()), 1)
    return out


def top_states(module, tokens: Sequence[TokenStates], chunk: int = 16):
    """The reader's top layer over the sentences' lower states, laid end to end (a torch tensor,
    all tokens x dimensions). Sentences of similar length run together, so little is padding."""
    import torch

    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i].offsets))
    pieces: list = [None] * len(tokens)
    for c in range(0, len(order), chunk):
        group = order[c : c + chunk]
        width = len(tokens[group[-1]].offsets)
        x = np.zeros((len(group), width, DIM), np.float32)
        mask = np.zeros((len(group), width), np.float32)
        for k, i in enumerate(group):
            x[k, : len(tokens[i].lower)] = tokens[i].lower
            mask[k, : len(tokens[i].lower)] = 1.0
        out = module.layer(torch.from_numpy(x), torch.from_numpy(mask))
        for k, i in enumerate(group):
            pieces[i] = out[k, : len(tokens[i].offsets)]
    return torch.cat(pieces)


class RiskReader:
    """The fine-tuned top layer and head, loaded once (fp16 on disk, float32 in memory)."""

    def __init__(self, path: Path | None = READER_FILE, arrays: dict | None = None):
        import torch

        if arrays is None:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        self.version = str(arrays["version"])
        self.gate = float(arrays["gate"])  # the any-risk score from which a unit is read
        self.mix = float(arrays["mix"])  # the reader's share of the combined logits
        self.module = make_module(arrays, arrays["h1_w"].shape[0], arrays["h1_w"].shape[1]).eval()
        self._torch = torch

    def logits(
        self,
        tokens: Sequence[TokenStates],
        unit_sentence: np.ndarray,
        unit_window: Sequence[tuple[int, int] | None],
        extra: np.ndarray,
    ) -> np.ndarray:
        """Per unit: any-risk, alert and the four alert-level logits. ``tokens``: the sentences the
        units belong to (``unit_sentence`` indexes them), with their lower states."""
        torch = self._torch
        weights = pooling(tokens, unit_sentence, unit_window)
        with torch.inference_mode():
            pooled = torch.from_numpy(weights) @ top_states(self.module, tokens)
            return self.module.head(pooled, torch.from_numpy(np.asarray(extra, np.float32))).numpy()
