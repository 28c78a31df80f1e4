"""Trains the learned risk stage (ml.risk_learned), calibrates it on out-of-writer predictions and
chooses its thresholds.

    python -m ml.train_risk --cache /tmp/risk-features       # writes ml/data/risk_learned.npz
    python -m ml.train_risk --cache /tmp/risk-features --lowo-dir /tmp/risk-lowo
        # also keeps the leave-one-writer-out models (without_A.npz … without_H.npz) for
        # python -m ml.evaluate risk ml/eval_data/v3/writerB_risk.jsonl --model /tmp/risk-lowo/without_B.npz

Training rows: ml/eval_data/v2/risk_train.jsonl (one writer's seeds, made numerous by templates),
every independent writer's sentences (ml/eval_data/v*/writer<X>_risk.jsonl: A and B in v3, C–H in
v4), the hard cases and the training part of the contrast pairs (contrast_pairs_train.jsonl: a
harmless sentence and a risk sentence of the same surface form). Development rows:
ml/eval_data/v2/risk_dev.jsonl and contrast_pairs_dev.jsonl, never trained on. The blind sets are
never read here.

A row's label belongs to the row, not to each of its units (its sentences and clause windows):
the network's score for a row is the maximum over its units (multiple-instance learning), so a
harmless row teaches every unit and a risk row its most alarming one: a run-on entry teaches the
clause that carries the risk rather than the whole diluted sentence. The level head learns from the
unit the alert head picks.

Generalising to other writers is what matters, so the honest development figure is
leave-one-writer-out: for each independent writer W, a model trained on everything but W scores W's
sentences; the pooled figure is all writers' sentences so scored. The Platt calibration of the
binary heads is fitted on those out-of-writer scores and on the development set scored by the final
model (all held out). The alert threshold is the lowest whose pooled out-of-writer alert precision
reaches TARGET_PRECISION (0.87; before risk-learned-3.0 the pool also held v2 dev, whose templated
wording the training set shares, and its out-of-writer precision came out at 0.85), the history
threshold the one with the best level accuracy there; then each alert level the level head picks
gets its own threshold, moved to where that pool's alert recall is highest at the same precision
target (--one-threshold keeps one). The final model is trained on all training rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml import one_blas_thread
from ml.risk_learned import (
    ALERT_LEVELS,
    BANK_LEVELS,
    CONTEXT_FEATURES,
    DIM,
    MODEL_FILE,
    UNIT_FEATURES,
    LearnedRiskStage,
    Unit,
    alone,
    context_features,
    neighbour_features,
    rule_matrix,
    units,
)
from ml.text import Span, get_encoder, split_sentences

ROOT = Path(__file__).resolve().parent
SETS = ROOT / "eval_data" / "v2"
WRITERS = ROOT / "eval_data" / "v3"
# every independent writer's file, whatever round it came in (v3: A, B; v4: C, D, E); each is one
# fold of the leave-one-writer-out estimate
WRITER_FILES = "eval_data/v*/writer*_risk.jsonl"
# hand-written hard cases (always trained on): the session notes' two false alerts, reasons for living,
# answer fragments, and plans in an entry or without risk words
HARD_NEGATIVES = WRITERS / "hard_negatives_risk.jsonl"
# hand-written contrast pairs (a harmless sentence and a risk sentence of the same surface form:
# trauma retellings, avoidance, medication reluctance, job-loss worry, reasons for living with and
# without implied ideation); the training part is trained on, the development part never is
CONTRAST_TRAIN = WRITERS / "contrast_pairs_train.jsonl"
CONTRAST_DEV = WRITERS / "contrast_pairs_dev.jsonl"
ALERT = frozenset(ALERT_LEVELS)
# The operating point: the lowest alert threshold whose pooled out-of-writer alert precision (every
# writer's sentences scored by the model trained without that writer) reaches this. Detector 2.1
# reaches 0.84 at recall 0.79 on that kind of pool; with 2.0 of this stage, 0.875 came at recall 0.85,
# the 0.90 at 0.81. Recall comes first; out-of-writer precision tops out near 0.91, where the
# rules' own false alarms are most of what is left.
TARGET_PRECISION = 0.87
STAGE_VERSION = "risk-learned-3.2"
HIDDEN = (128, 64)
EPOCHS = 12
WRITER_WEIGHT = 2.0  # an independent writer's sentence counts twice a templated v2 variant
# risk-learned-3.0, chosen on the pooled out-of-writer figure (README): the templated v2 rows weigh
# half, each writer's rows together weigh the same, and the binary targets are smoothed by 0.1
V2_WEIGHT = 0.5
BALANCE = "writers"
SMOOTHING = 0.1


@dataclass
class Featurised:
    sentences: list[Span]
    embeddings: np.ndarray
    found: list[Unit]
    unit_rows: np.ndarray
    rules: list  # RuleReading per sentence
    rule_levels: list[str]
    context: np.ndarray = None  # type: ignore[assignment]
    tokens: list | None = None  # TokenStates with lower states, for a reader (ml.train_risk_reader)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def writer_sets(paths: list[Path] | None = None) -> dict[str, list[dict]]:
    """The independent writers' rows, by writer (ml/eval_data/v*/writer<X>_risk.jsonl)."""
    out = {}
    for path in sorted(paths if paths is not None else ROOT.glob(WRITER_FILES), key=lambda p: p.name):
        name = path.stem.removeprefix("writer").removesuffix("_risk")
        if name in out:
            raise ValueError(f"writer {name} has two files; one file per writer")
        rows = read(path)
        for row in rows:
            row.setdefault("seed", "w" + hashlib.sha1(row["text"].encode(), usedforsecurity=False).hexdigest()[:8])
            row["writer"] = row["fold"] = name
        out[name] = rows
    return out


def cache_file(cache: Path | None, kind: str, texts: list[str]) -> Path | None:
    """Where a cache keeps ``kind`` of these texts (named by their hash), or None without a cache."""
    key = hashlib.sha1("\n".join(texts).encode(), usedforsecurity=False).hexdigest()[:16]
    return cache / f"{kind}-{key}.pkl" if cache else None


def featurise(rows: list[dict], encoder, rules_stage, cache: Path | None = None) -> list[Featurised]:
    """Per row: the sentences, their embeddings, the units' feature rows and the rules' reading.
    With ``cache``, the encoder's part is kept in a file named by the texts' hash."""
    from ml.risk import rule_reading

    texts = [row["text"] for row in rows]
    path = cache_file(cache, "risk", texts)
    if path is not None and path.exists():
        encoded = pickle.loads(path.read_bytes())  # noqa: S301 (our own cache, written above)
    else:
        split = [split_sentences(text) for text in texts]
        flat = [s.text for sentences in split for s in sentences]
        embeddings, tokens = encoder.encode_with_tokens(flat)
        encoded, offset = [], 0
        for sentences in split:
            end = offset + len(sentences)
            found, unit_rows = units(sentences, embeddings[offset:end], tokens[offset:end])
            encoded.append((sentences, embeddings[offset:end], found, unit_rows))
            offset = end
        if path is not None:
            cache.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pickle.dumps(encoded))
    out = []
    for sentences, embeddings, found, unit_rows in encoded:
        readings = rules_stage.read_sentences(sentences)
        rules = [rule_reading(*r) for r in readings]
        item = Featurised(sentences, embeddings, found, unit_rows, rules, [r.level for r in rules])
        sentence_of_unit = np.array([u.sentence for u in found], dtype=np.int64)
        item.context = context_features(sentence_of_unit, embeddings, rule_matrix(rules, len(sentences)))
        out.append(item)
    return out


@dataclass
class Sets:
    """Every set the stage is trained and measured on, featurised."""

    writers: dict[str, list[dict]]
    writer_feats: dict[str, list[Featurised]]
    base_rows: list[dict]  # v2 train, the hard cases and the contrast pairs' training part
    base_feats: list[Featurised]
    dev_rows: list[dict]
    dev_feats: list[Featurised]
    contrast_dev: list[dict]
    contrast_dev_feats: list[Featurised]

    def training(self, held: str | None) -> tuple[list[dict], list[Featurised]]:
        """The training rows (and features) without writer ``held``."""
        rows, feats = [*self.base_rows], [*self.base_feats]
        for name, wrows in self.writers.items():
            if name != held:
                rows += wrows
                feats += self.writer_feats[name]
        return rows, feats


def load_sets(
    encoder,
    detector,
    cache: Path | None,
    writer_paths: list[Path] | None = None,
    no_writers: bool = False,
    no_contrast: bool = False,
    contrast_weight: float = WRITER_WEIGHT,
) -> Sets:
    writers = {} if no_writers else writer_sets(writer_paths)
    print("writers:", {name: len(rows) for name, rows in writers.items()})
    v2_train, dev_rows = read(SETS / "risk_train.jsonl"), read(SETS / "risk_dev.jsonl")
    v2_feats = featurise(v2_train, encoder, detector, cache)
    dev_feats = featurise(dev_rows, encoder, detector, cache)
    writer_feats = {name: featurise(rows, encoder, detector, cache) for name, rows in writers.items()}
    extra_rows = read(HARD_NEGATIVES)
    if not no_contrast:
        contrast = read(CONTRAST_TRAIN)
        for row in contrast:
            row["weight"] = contrast_weight
        extra_rows += contrast
    for row in extra_rows:
        row.setdefault("seed", "h" + hashlib.sha1(row["text"].encode(), usedforsecurity=False).hexdigest()[:8])
    extra_feats = featurise(extra_rows, encoder, detector, cache)
    contrast_dev = read(CONTRAST_DEV)
    contrast_dev_feats = featurise(contrast_dev, encoder, detector, cache)
    return Sets(
        writers,
        writer_feats,
        v2_train + extra_rows,
        v2_feats + extra_feats,
        dev_rows,
        dev_feats,
        contrast_dev,
        contrast_dev_feats,
    )


def examples(rows: list[dict], feats: list[Featurised]) -> dict:
    """One written sentence per seed and level (its first variant): the bank of the neighbour
    features and of the nearest-example explanations."""
    seen, texts, levels, vectors, seeds = set(), [], [], [], []
    for row, item in zip(rows, feats, strict=True):
        key = (row.get("seed"), row["level"])
        if row.get("style") != "written" or len(item.sentences) != 1 or key in seen or row.get("class") == "buried":
            continue
        seen.add(key)
        texts.append(row["text"])
        levels.append(row["level"])
        vectors.append(item.embeddings[0])
        seeds.append(row.get("seed", row["text"]))
    return {
        "example_texts": np.array(texts),
        "example_levels": np.array(levels),
        "example_embeddings": np.vstack(vectors).astype(np.float16),
        "example_seeds": np.array([str(seed) for seed in seeds]),
    }


def full_features(rows, feats, bank: dict, own_seed: bool) -> list[np.ndarray]:
    """Each row's unit features, with the bank similarities; a training row never sees its own seed."""
    vectors = bank["example_embeddings"].astype(np.float32)
    levels = np.array([BANK_LEVELS.index(level) for level in bank["example_levels"]])
    counts = [len(item.unit_rows) for item in feats]
    unit_rows = np.vstack([item.unit_rows for item in feats])
    seeds = np.repeat(np.array([str(row.get("seed", row["text"])) for row in rows]), counts)
    extra = []
    for c in range(0, len(unit_rows), 4096):
        excluded = seeds[c : c + 4096, None] == bank["example_seeds"][None, :] if own_seed else None
        extra.append(neighbour_features(unit_rows[c : c + 4096, :DIM], vectors, levels, excluded))
    full = np.hstack([unit_rows, np.vstack([item.context for item in feats]), np.vstack(extra)]).astype(np.float32)
    return np.split(full, np.cumsum(counts)[:-1])


def row_weights(rows: list[dict], balance: bool = False, v2_weight: float = 1.0) -> np.ndarray:
    """Per training row: its own ``weight`` if it has one (the contrast pairs), WRITER_WEIGHT for a
    hand-written sentence (an independent writer's, a hard case), ``v2_weight`` for a templated v2
    variant. With ``balance``, each independent writer's rows together weigh as much as the average
    writer's: a prolific writer's wording does not outweigh a terse one's."""
    sizes: dict[str, int] = {}
    for row in rows:
        if "fold" in row:
            sizes[row["fold"]] = sizes.get(row["fold"], 0) + 1
    mean = float(np.mean(list(sizes.values()))) if sizes else 1.0
    out = []
    for row in rows:
        if "weight" in row:
            out.append(row["weight"])
        elif "fold" in row:
            out.append(WRITER_WEIGHT * (mean / sizes[row["fold"]] if balance else 1.0))
        elif row.get("writer"):
            out.append(WRITER_WEIGHT)
        else:
            out.append(v2_weight)
    return np.array(out, dtype=np.float32)


def fit(
    rows: list[dict],
    matrices: list[np.ndarray],
    seed: int = 0,
    epochs: int = EPOCHS,
    hidden: tuple = HIDDEN,
    weights: np.ndarray | None = None,
    smoothing: float = 0.0,
) -> dict:
    """The network's weights (numpy), trained with the row label on the row's maximum unit.
    ``weights``: per row (default: ``row_weights``); ``smoothing``: the binary targets move this far
    towards one half."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # small matrices: one thread is faster than two on a shared machine
    rng = np.random.default_rng(seed)
    x = np.vstack(matrices)
    mean = x.mean(axis=0)
    scale = np.maximum(x.std(axis=0), 0.05)
    xt = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    starts = np.cumsum([0] + [len(m) for m in matrices])
    risk_y = torch.tensor([row["level"] != "none" for row in rows], dtype=torch.float32)
    alert_y = torch.tensor([row["level"] in ALERT for row in rows], dtype=torch.float32)
    level_y = torch.tensor([ALERT_LEVELS.index(r["level"]) if r["level"] in ALERT else -1 for r in rows])
    weight = torch.tensor(row_weights(rows) if weights is None else weights, dtype=torch.float32)
    pos_risk = float((1 - risk_y).sum() / risk_y.sum())
    pos_alert = float((1 - alert_y).sum() / alert_y.sum())
    risk_t = risk_y * (1 - smoothing) + smoothing / 2
    alert_t = alert_y * (1 - smoothing) + smoothing / 2

    d = x.shape[1]
    net = torch.nn.Sequential(
        torch.nn.Linear(d, hidden[0]),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.3),
        torch.nn.Linear(hidden[0], hidden[1]),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(hidden[1], 2 + len(ALERT_LEVELS)),
    )
    optimiser = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-2)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=epochs)
    targets = (risk_t, alert_t, level_y, torch.tensor(pos_risk), torch.tensor(pos_alert))
    for _ in range(epochs):
        net.train()
        for batch in np.array_split(rng.permutation(len(rows)), max(1, len(rows) // 64)):
            spans = [(starts[r], starts[r + 1]) for r in batch]
            index = torch.from_numpy(np.concatenate([np.arange(a, z) for a, z in spans]))
            owner = torch.from_numpy(np.concatenate([np.full(z - a, k) for k, (a, z) in enumerate(spans)]))
            out = net(xt[index])
            loss = mil_loss(out, owner, torch.from_numpy(batch), weight, targets)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        schedule.step()
    net.eval()
    linear = [m for m in net if isinstance(m, torch.nn.Linear)]
    arrays = {"x_mean": mean.astype(np.float32), "x_scale": scale.astype(np.float32)}
    for k, layer in enumerate(linear, 1):
        arrays[f"w{k}"] = layer.weight.detach().numpy().T.copy()
        arrays[f"b{k}"] = layer.bias.detach().numpy().copy()
    return arrays


def mil_loss(out, owner, b, weight, targets):
    """The loss of a batch of rows from their units' outputs (``owner``: each unit's row in the
    batch, ``b``: the rows): the binary heads on each row's maximum unit (class-balanced), the level
    head on the unit the alert head picks, in alert rows; each row weighs ``weight[row]``."""
    import torch

    risk_t, alert_t, level_y, pos_risk, pos_alert = targets
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    big = torch.full((len(b), out.shape[1]), -1e4)
    pooled = big.scatter_reduce(0, owner[:, None].expand_as(out), out, "amax", include_self=True)
    w = weight[b]
    loss = (bce(pooled[:, 0], risk_t[b], pos_weight=pos_risk, reduction="none") * w).mean()
    loss = loss + (bce(pooled[:, 1], alert_t[b], pos_weight=pos_alert, reduction="none") * w).mean()
    alert_logit = out[:, 1].detach()
    best = torch.full((len(b),), -1e9).scatter_reduce(0, owner, alert_logit, "amax", include_self=True)
    chosen = (alert_logit == best[owner]) & (level_y[b][owner] >= 0)
    if chosen.any():
        ce = torch.nn.functional.cross_entropy(out[chosen, 2:], level_y[b][owner][chosen], reduction="none")
        loss = loss + (ce * w[owner][chosen]).mean()
    return loss


def merge(nets: list[dict]) -> dict:
    """Several networks trained on the same rows (different seeds) as one network of the same shape
    whose outputs are their mean: the hidden layers side by side, the second layer block-diagonal, the
    output layer averaging. Inference is unchanged (still two ReLU layers, only wider)."""
    if len(nets) == 1:
        return nets[0]
    k = len(nets)
    w2 = np.zeros((sum(n["w2"].shape[0] for n in nets), sum(n["w2"].shape[1] for n in nets)), np.float32)
    r = c = 0
    for n in nets:
        w2[r : r + n["w2"].shape[0], c : c + n["w2"].shape[1]] = n["w2"]
        r, c = r + n["w2"].shape[0], c + n["w2"].shape[1]
    return {
        "x_mean": nets[0]["x_mean"],  # the same rows give every network the same standardisation
        "x_scale": nets[0]["x_scale"],
        "w1": np.hstack([n["w1"] for n in nets]),
        "b1": np.concatenate([n["b1"] for n in nets]),
        "w2": w2,
        "b2": np.concatenate([n["b2"] for n in nets]),
        "w3": np.vstack([n["w3"] for n in nets]) / k,
        "b3": np.mean([n["b3"] for n in nets], axis=0),
    }


def make_stage(weights: dict, bank: dict, platt=None, alert_t: float = 0.5, risk_t: float = 0.5) -> LearnedRiskStage:
    arrays = {
        "version": np.array(STAGE_VERSION),
        **weights,
        **{k: v for k, v in bank.items() if k != "example_seeds"},
        "risk_platt": np.array(platt["risk"] if platt else [1.0, 0.0]),
        "alert_platt": np.array(platt["alert"] if platt else [1.0, 0.0]),
        "alert_threshold": np.array(alert_t),
        "risk_threshold": np.array(risk_t),
    }
    return LearnedRiskStage(None, arrays)


def row_logits(stage: LearnedRiskStage, matrices: list[np.ndarray]) -> np.ndarray:
    """Per row: the maximum any-risk and alert logits over its units (what the calibration reads)."""
    return np.array([np.vstack([stage.logits(m), stage.logits(read_alone(m))])[:, :2].max(axis=0) for m in matrices])


def read_alone(matrix: np.ndarray) -> np.ndarray:
    """Full feature rows as if each sentence had no neighbours (the stage also reads it so, and keeps
    the higher score: context may raise a sentence's risk, never lower it)."""
    out = matrix.copy()
    columns = slice(UNIT_FEATURES, UNIT_FEATURES + CONTEXT_FEATURES)
    out[:, columns] = alone(matrix[:, columns])
    return out


def platt(logits: np.ndarray, rows: list[dict]) -> dict:
    """(a, b) per binary head so that sigmoid(a * z + b) is calibrated on held-out rows."""
    from sklearn.linear_model import LogisticRegression

    out = {}
    for column, head, positive in ((0, "risk", lambda lv: lv != "none"), (1, "alert", lambda lv: lv in ALERT)):
        y = np.array([positive(row["level"]) for row in rows])
        model = LogisticRegression(C=1e4).fit(logits[:, column : column + 1], y)
        out[head] = np.array([model.coef_[0, 0], model.intercept_[0]])
    return out


def readings(stage: LearnedRiskStage, feats: list[Featurised]) -> list[list[tuple]]:
    """Per row and sentence: (rule level, the learned call with every threshold open, whether the
    detector may raise this sentence above a rule's history), as ``RiskDetector.assess_sentences``."""
    from ml.risk import RiskDetector

    saved = stage.alert_threshold, stage.risk_threshold, stage.level_thresholds
    stage.alert_threshold, stage.risk_threshold = -1.0, -1.0
    stage.level_thresholds = np.full(len(ALERT_LEVELS), -1.0)
    out = []
    for item in feats:
        with one_blas_thread():
            calls = stage.read_units(
                item.sentences, item.embeddings, item.found, item.unit_rows, item.rules, item.tokens
            )
        out.append(
            [
                (rule, call, rule != "history" or RiskDetector._current_somewhere(s.text))
                for rule, call, s in zip(item.rule_levels, calls, item.sentences, strict=True)
            ]
        )
    stage.alert_threshold, stage.risk_threshold, stage.level_thresholds = saved
    return out


def levels_at(reads: list[list[tuple]], alert_t, risk_t: float) -> list[str]:
    """The detector's level per row at these thresholds; ``alert_t`` is one threshold, or one per
    alert level (ALERT_LEVELS order, for the level the level head picks)."""
    from ml.risk import RANK, max_level

    per_level = dict(
        zip(ALERT_LEVELS, np.broadcast_to(np.asarray(alert_t, dtype=float), len(ALERT_LEVELS)), strict=True)
    )
    out = []
    for reading in reads:
        levels = []
        for rule, call, may_raise in reading:
            needed = per_level.get(call.level, 2.0)
            learned = call.level if call.alert >= needed else "history" if call.risk >= risk_t else "none"
            levels.append(learned if may_raise and RANK[learned] > RANK[rule] else rule)
        out.append(max_level(levels))
    return out


def choose_thresholds(
    rows: list[dict], reads: list[list[tuple]], target: float = TARGET_PRECISION
) -> tuple[float, float, list[tuple]]:
    """The lowest alert threshold whose alert precision on the held-out pool reaches
    TARGET_PRECISION (so recall is as high as that precision allows); then the history threshold
    with the best level accuracy there."""
    from ml.text_evaluation import risk_metrics

    curve = []
    for alert_t in np.arange(0.20, 0.99, 0.02):
        m = risk_metrics(rows, levels_at(reads, float(alert_t), 0.6))
        curve.append(
            (round(float(alert_t), 2), m["alert_precision"] or 0.0, m["alert_recall"] or 0.0, m["level_accuracy"])
        )
    passing = [c for c in curve if c[1] >= target]
    alert_t = min(passing)[0] if passing else max(curve, key=lambda c: c[1])[0]
    accuracy = [
        (risk_metrics(rows, levels_at(reads, alert_t, float(t)))["level_accuracy"], round(float(t), 2))
        for t in np.arange(0.30, 0.96, 0.05)
    ]
    return alert_t, max(accuracy)[1], curve


def choose_level_thresholds(
    rows: list[dict],
    reads: list[list[tuple]],
    alert_t: float,
    risk_t: float,
    target: float = TARGET_PRECISION,
) -> list[float]:
    """One alert threshold per level the level head picks, from the single one: each level's in turn
    (two rounds) moves to where the held-out pool's alert recall is highest with its alert precision
    still at TARGET_PRECISION or above (ties: the better level accuracy, then the nearer threshold)."""
    from ml.text_evaluation import risk_metrics

    chosen = [alert_t] * len(ALERT_LEVELS)
    for _ in range(2):
        for k in range(len(ALERT_LEVELS)):
            best = None
            for t in np.arange(0.20, 0.99, 0.02):
                trial = [*chosen]
                trial[k] = round(float(t), 2)
                m = risk_metrics(rows, levels_at(reads, trial, risk_t))
                if (m["alert_precision"] or 0.0) < target:
                    continue
                key = (m["alert_recall"] or 0.0, m["level_accuracy"], -abs(trial[k] - alert_t))
                if best is None or key > best[0]:
                    best = (key, trial[k])
            if best is not None:
                chosen[k] = best[1]
    return chosen


def summary(rows: list[dict], levels: list[str]) -> str:
    from ml.text_evaluation import risk_metrics

    m = risk_metrics(rows, levels)
    return (
        f"alert P {m['alert_precision']} R {m['alert_recall']}  plan R {m['plan_recall']}  "
        f"level acc {m['level_accuracy']}  FA {m['false_alarm_rate']}  (n={m['n']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.train_risk", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(MODEL_FILE))
    parser.add_argument("--cache", type=Path, help="a folder that keeps the sets' encoder features between runs")
    parser.add_argument("--lowo-dir", type=Path, help="also write the leave-one-writer-out models here")
    parser.add_argument("--no-writers", action="store_true", help="train on v2 only (for comparison)")
    parser.add_argument(
        "--writers", type=Path, nargs="+", help=f"these writers' files only (default: every ml/{WRITER_FILES})"
    )
    parser.add_argument(
        "--no-contrast", action="store_true", help="leave out the contrast pairs' training part (for comparison)"
    )
    parser.add_argument("--hidden", default=",".join(map(str, HIDDEN)), help="the two hidden layers' sizes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--contrast-weight", type=float, default=WRITER_WEIGHT, help="a contrast pair's sentence's training weight"
    )
    parser.add_argument("--v2-weight", type=float, default=V2_WEIGHT, help="a templated v2 row's training weight")
    parser.add_argument(
        "--balance",
        choices=("rows", "writers"),
        default=BALANCE,
        help="rows: every writer's sentence weighs the same; writers: every writer's sentences together weigh the same",
    )
    parser.add_argument("--smoothing", type=float, default=SMOOTHING, help="label smoothing of the binary heads")
    parser.add_argument("--target-precision", type=float, default=TARGET_PRECISION)
    parser.add_argument(
        "--threshold-pool",
        choices=("writers", "all"),
        default="writers",
        help="where the thresholds are chosen: the writers' out-of-writer scores, or those and v2 dev (before 3.0)",
    )
    parser.add_argument(
        "--ensemble", type=int, default=1, help="train this many seeds and keep their mean as one wider network"
    )
    parser.add_argument(
        "--one-threshold", action="store_true", help="one alert threshold for every level (before risk-learned-2.1)"
    )
    args = parser.parse_args(argv)

    from ml.risk import RiskRules

    encoder = get_encoder()
    detector = RiskRules()
    sets = load_sets(
        encoder, detector, args.cache, args.writers, args.no_writers, args.no_contrast, args.contrast_weight
    )
    writers, writer_feats = sets.writers, sets.writer_feats
    dev_rows, dev_feats = sets.dev_rows, sets.dev_feats
    contrast_dev, contrast_dev_feats = sets.contrast_dev, sets.contrast_dev_feats
    hidden = tuple(int(size) for size in args.hidden.split(","))

    def train_without(held: str | None):
        rows, feats = sets.training(held)
        bank = examples(rows, feats)
        matrices = full_features(rows, feats, bank, own_seed=True)
        weight = row_weights(rows, balance=args.balance == "writers", v2_weight=args.v2_weight)
        nets = [
            fit(rows, matrices, args.seed + k, args.epochs, hidden, weight, args.smoothing)
            for k in range(args.ensemble)
        ]
        return merge(nets), bank

    pool_rows, pool_logits, pool_reads_stages = [], [], []
    lowo = {}
    for name in writers:
        weights, bank = train_without(name)
        lowo[name] = (weights, bank)
        stage = make_stage(weights, bank)
        wrows, wfeats = writers[name], writer_feats[name]
        pool_rows += wrows
        pool_logits.append(row_logits(stage, full_features(wrows, wfeats, bank, own_seed=False)))
        pool_reads_stages.append((wrows, wfeats, weights, bank))
    weights, bank = train_without(None)
    stage = make_stage(weights, bank)
    pool_rows += dev_rows
    pool_logits.append(row_logits(stage, full_features(dev_rows, dev_feats, bank, own_seed=False)))
    pool_reads_stages.append((dev_rows, dev_feats, weights, bank))
    calibration = platt(np.vstack(pool_logits), pool_rows)
    print("calibration (a, b):", {k: np.round(v, 3).tolist() for k, v in calibration.items()})

    reads, per_set = [], []
    for rows, feats, w, b in pool_reads_stages:
        r = readings(make_stage(w, b, calibration), feats)
        reads += r
        per_set.append((rows, r))
    target = args.target_precision
    # the operating point is chosen on other writers' sentences only (each scored by the model
    # trained without its writer), not on the v2 development set, whose templated wording the
    # training set shares; without writers, on the development set
    only_writers = writers and args.threshold_pool == "writers"
    chosen_on = slice(0, len(pool_rows) - len(dev_rows)) if only_writers else slice(None)
    alert_t, risk_t, curve = choose_thresholds(pool_rows[chosen_on], reads[chosen_on], target)
    for t, p, r, acc in curve:
        print(f"  alert threshold {t:.2f}: held-out alert precision {p}  recall {r}  level accuracy {acc}")
    print(f"chosen on the held-out pool ({args.threshold_pool}): alert threshold {alert_t}, history threshold {risk_t}")
    level_t = None
    alert_t_used = alert_t
    if not args.one_threshold:
        level_t = choose_level_thresholds(pool_rows[chosen_on], reads[chosen_on], alert_t, risk_t, target)
        alert_t_used = level_t
        print("per level (" + ", ".join(ALERT_LEVELS) + "):", level_t)
    print(f"held-out pool (writers and v2 dev): {summary(pool_rows, levels_at(reads, alert_t_used, risk_t))}")
    names = [*writers, "dev"]
    out_rows, out_levels = [], []
    for name, (rows, r) in zip(names, per_set, strict=True):
        levels = levels_at(r, alert_t_used, risk_t)
        label = f"writer {name}, trained without it" if name != "dev" else "v2 dev"
        print(f"{label}: {summary(rows, levels)}")
        if name != "dev":
            out_rows += rows
            out_levels += levels
    if writers:
        print(f"POOLED out-of-writer ({', '.join(writers)}): {summary(out_rows, out_levels)}")
    final = make_stage(weights, bank, calibration)
    own_dev = readings(final, contrast_dev_feats)
    own_levels = levels_at(own_dev, alert_t_used, risk_t)
    print(f"contrast pairs, development part (never trained on): {summary(contrast_dev, own_levels)}")

    def save(path: Path, w: dict, b: dict) -> None:
        arrays = {k: v for k, v in b.items() if k != "example_seeds"}
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            version=STAGE_VERSION,
            alert_threshold=alert_t,
            risk_threshold=risk_t,
            risk_platt=calibration["risk"].astype(np.float32),
            alert_platt=calibration["alert"].astype(np.float32),
            **({"level_thresholds": np.array(level_t, dtype=np.float32)} if level_t else {}),
            **{k: v.astype(np.float32) for k, v in w.items()},
            **arrays,
        )

    save(Path(args.out), weights, bank)
    if args.lowo_dir:
        for name, (w, b) in lowo.items():
            save(args.lowo_dir / f"without_{name}.npz", w, b)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
