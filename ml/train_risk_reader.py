"""Trains the risk reader (ml.risk_reader: the encoder's top layer fine-tuned, with a small head) and
measures the cascade (learned stage, then the reader on possibly risky sentences) leave-one-writer-out
against the learned stage alone, with ml.train_risk's protocol: the same rows, weights and folds, the
Platt calibration on out-of-writer scores, the thresholds chosen on the pooled out-of-writer scores at
alert precision >= TARGET_PRECISION.

    python -m ml.train_risk --cache DIR --lowo-dir LOWO        # the learned stage and its folds first
    python -m ml.train_risk_reader --cache DIR --lowo-dir LOWO --mlp ml/data/risk_learned.npz

The lower layer's token states are encoded once (cached in DIR); training runs the top layer only.
"""

from __future__ import annotations

import argparse
import math
import pickle
import time
from pathlib import Path

import numpy as np

from ml.risk_learned import ALERT_LEVELS, DIM, LEVELS, UNIT_FEATURES, LearnedRiskStage, rule_matrix
from ml.risk_reader import READER_FILE, RiskReader, make_module, pooling, top_layer_arrays, top_states
from ml.text import TokenStates, get_encoder, split_sentences
from ml.train_risk import (
    ALERT,
    TARGET_PRECISION,
    Featurised,
    Sets,
    cache_file,
    choose_level_thresholds,
    choose_thresholds,
    levels_at,
    load_sets,
    mil_loss,
    readings,
    row_weights,
    summary,
)

VERSION = "risk-reader-1.0"
HIDDEN = 64
EPOCHS = 1
LAYER_LR = 1e-4
HEAD_LR = 2e-3
MIX = 0.5  # the reader's share of a read unit's logits, fixed before any result
GATE_KEEP = 0.995  # the gate keeps at least this share of the out-of-writer alert rows
EXTRA = UNIT_FEATURES - DIM + len(LEVELS) + 6  # scope flags, clause flag, rule level and reasons


def attach_lower(rows: list[dict], feats: list[Featurised], encoder, cache: Path | None) -> None:
    """Each row's sentences' lower token states (fp16) into ``feats[i].tokens``, cached by the texts."""
    texts = [row["text"] for row in rows]
    path = cache_file(cache, "lower", texts)
    if path is not None and path.exists():
        states = pickle.loads(path.read_bytes())  # noqa: S301 (our own cache, written below)
    else:
        flat = [s.text for text in texts for s in split_sentences(text)]
        _, tokens = encoder.encode_with_tokens(flat, lower=True)
        states = [(t.lower.astype(np.float16), t.offsets.astype(np.int32)) for t in tokens]
        if path is not None:
            path.write_bytes(pickle.dumps(states))
    offset = 0
    for item in feats:
        n = len(item.sentences)
        item.tokens = [TokenStates(np.zeros((0, DIM)), o, lower) for lower, o in states[offset : offset + n]]
        offset += n


def unit_inputs(item: Featurised) -> tuple[np.ndarray, list, np.ndarray]:
    """Per unit of a row: its sentence, its window in the sentence (None: the whole), its head's extra inputs."""
    sentence_of_unit = np.array([u.sentence for u in item.found])
    windows = [
        None
        if u.kind == "sentence"
        else (u.start - item.sentences[u.sentence].start, u.end - item.sentences[u.sentence].start)
        for u in item.found
    ]
    rules = rule_matrix(item.rules, len(item.sentences))
    return sentence_of_unit, windows, np.hstack([item.unit_rows[:, DIM:UNIT_FEATURES], rules[sentence_of_unit]])


def fit_reader(
    rows: list[dict],
    feats: list[Featurised],
    base: dict,
    weights: np.ndarray,
    seed: int = 0,
    epochs: int = EPOCHS,
    smoothing: float = 0.1,
) -> dict:
    """The reader's arrays, trained as ml.train_risk.fit trains the network: the row's label on its
    best unit (any-risk and alert heads, class-balanced, smoothed), the level from the unit the alert
    head picks."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module = make_module(base, DIM + EXTRA, HIDDEN)
    layer = [p for n, p in module.p.items() if not n.startswith("h")]
    head = [p for n, p in module.p.items() if n.startswith("h")]
    inputs = [unit_inputs(item) for item in feats]
    risk_y = torch.tensor([row["level"] != "none" for row in rows], dtype=torch.float32)
    alert_y = torch.tensor([row["level"] in ALERT for row in rows], dtype=torch.float32)
    level_y = torch.tensor([ALERT_LEVELS.index(r["level"]) if r["level"] in ALERT else -1 for r in rows])
    weight = torch.tensor(weights, dtype=torch.float32)
    pos_risk = torch.tensor(float((1 - risk_y).sum() / risk_y.sum()))
    pos_alert = torch.tensor(float((1 - alert_y).sum() / alert_y.sum()))
    risk_t = risk_y * (1 - smoothing) + smoothing / 2
    alert_t = alert_y * (1 - smoothing) + smoothing / 2
    batches = max(1, len(rows) // 64)
    optimiser = torch.optim.AdamW(
        [{"params": layer, "lr": LAYER_LR, "weight_decay": 0.01}, {"params": head, "lr": HEAD_LR, "weight_decay": 0.01}]
    )
    total = epochs * batches
    warm = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * step / total))
    )
    targets = (risk_t, alert_t, level_y, pos_risk, pos_alert)
    for _ in range(epochs):
        module.train()
        for batch in np.array_split(rng.permutation(len(rows)), batches):
            tokens, unit_s, windows, extra, owner = [], [], [], [], []
            for k, r in enumerate(batch):
                s, w, e = inputs[r]
                unit_s.append(s + len(tokens))
                tokens += feats[r].tokens
                windows += w
                extra.append(e)
                owner.append(np.full(len(s), k))
            pool = torch.from_numpy(pooling(tokens, np.concatenate(unit_s), windows))
            extra_in = torch.from_numpy(np.vstack(extra).astype(np.float32))
            out = module.head(pool @ top_states(module, tokens), extra_in)
            own = torch.from_numpy(np.concatenate(owner))
            loss = mil_loss(out, own, torch.from_numpy(batch), weight, targets)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    module.eval()
    return {name: p.detach().numpy().copy() for name, p in module.p.items()}


def reader_from(arrays: dict, gate: float, mix: float = MIX) -> RiskReader:
    return RiskReader(None, {"version": np.array(VERSION), "gate": np.array(gate), "mix": np.array(mix), **arrays})


def stage_from(path: Path, reader: RiskReader | None = None) -> LearnedRiskStage:
    """A learned stage from its weights, uncalibrated (the calibration is fitted again here)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["risk_platt"] = arrays["alert_platt"] = np.array([1.0, 0.0])
    arrays.pop("level_thresholds", None)
    return LearnedRiskStage(None, arrays, reader)


def row_logits(stage: LearnedRiskStage, feats: list[Featurised]) -> np.ndarray:
    """Per row: the highest any-risk and alert logits over its units and passes."""
    out = []
    for item in feats:
        passes = stage.unit_logits(item.sentences, item.embeddings, item.found, item.unit_rows, item.rules, item.tokens)
        out.append(np.vstack(passes)[:, :2].max(axis=0))
    return np.array(out)


def gate_scores(stage: LearnedRiskStage, feats: list[Featurised]) -> np.ndarray:
    """Per row: infinity where a rule read or held something, else its highest any-risk logit."""
    out = []
    for item in feats:
        rules = rule_matrix(item.rules, len(item.sentences))
        if ((rules[:, 0] == 0.0) | rules[:, len(LEVELS) :].any(axis=1)).any():
            out.append(np.inf)
            continue
        passes = stage.unit_logits(item.sentences, item.embeddings, item.found, item.unit_rows, item.rules)
        out.append(float(np.vstack(passes)[:, 0].max()))
    return np.array(out)


def choose_gate(rows: list[dict], scores: np.ndarray) -> float:
    """The highest any-risk logit gate that still sends GATE_KEEP of the alert rows to the reader."""
    alert = np.array([row["level"] in ALERT for row in rows])
    values = np.sort(scores[alert])
    return float(values[int(np.floor((1 - GATE_KEEP) * len(values)))])


def evaluate(sets: Sets, folds: dict, final, label: str, target: float) -> dict:
    """Pooled out-of-writer figures of one kind of stage: ``folds[name]`` scores writer ``name``,
    ``final`` scores v2 dev (the calibration pool, as ml.train_risk)."""
    from ml.train_risk import platt

    pool_rows, logits = [], []
    for name, stage in folds.items():
        pool_rows += sets.writers[name]
        logits.append(row_logits(stage, sets.writer_feats[name]))
    writer_rows = len(pool_rows)
    if final is not None:
        pool_rows += sets.dev_rows
        logits.append(row_logits(final, sets.dev_feats))
    calibration = platt(np.vstack(logits), pool_rows)
    reads = []
    for name, stage in [*folds.items(), *([("dev", final)] if final is not None else [])]:
        stage.platt = {k: np.asarray(v, dtype=np.float64) for k, v in calibration.items()}
        reads += readings(stage, sets.writer_feats[name] if name != "dev" else sets.dev_feats)
    alert_t, risk_t, _ = choose_thresholds(pool_rows[:writer_rows], reads[:writer_rows], target)
    level_t = choose_level_thresholds(pool_rows[:writer_rows], reads[:writer_rows], alert_t, risk_t, target)
    levels = levels_at(reads[:writer_rows], level_t, risk_t)
    print(f"{label}: thresholds {level_t} history {risk_t}; calibration {calibration}")
    print(f"{label} POOLED out-of-writer: {summary(pool_rows[:writer_rows], levels)}")
    recall = {}
    for level in ALERT_LEVELS + ("history",):
        gold = [lv == level for lv in (r["level"] for r in pool_rows[:writer_rows])]
        hits = [g and p == level for g, p in zip(gold, levels, strict=True)]
        recall[level] = round(sum(hits) / max(sum(gold), 1), 3)
    print(f"{label} per-level recall (exact level): {recall}")
    return {"calibration": calibration, "alert_t": alert_t, "risk_t": risk_t, "level_t": level_t}


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(prog="python -m ml.train_risk_reader", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--lowo-dir", type=Path, required=True, help="ml.train_risk's without_<writer>.npz")
    parser.add_argument("--mlp", type=Path, required=True, help="ml.train_risk's final weights")
    parser.add_argument("--out", type=Path, default=READER_FILE)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--final", action="store_true", help="also train the final reader (calibration on v2 dev too)")
    parser.add_argument("--folds", nargs="*", help="only these writers' folds (a quick look; not the pooled figure)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    from ml.risk import RiskRules

    encoder = get_encoder()
    sets = load_sets(encoder, RiskRules(), args.cache)
    attach_lower(sets.base_rows, sets.base_feats, encoder, args.cache)
    attach_lower(sets.dev_rows, sets.dev_feats, encoder, args.cache)
    for name in sets.writers:
        attach_lower(sets.writers[name], sets.writer_feats[name], encoder, args.cache)
    base = top_layer_arrays(encoder._model)
    names = args.folds or list(sets.writers)

    mlp_folds = {name: stage_from(args.lowo_dir / f"without_{name}.npz") for name in names}
    pooled = [r for name in names for r in sets.writers[name]]
    gate = choose_gate(pooled, np.concatenate([gate_scores(mlp_folds[n], sets.writer_feats[n]) for n in names]))
    print(f"gate (any-risk logit, keeps {GATE_KEEP} of out-of-writer alert rows): {gate:.3f}", flush=True)
    target = TARGET_PRECISION
    final_mlp = stage_from(args.mlp) if args.final else None
    evaluate(sets, mlp_folds, final_mlp, "learned stage alone", target)

    readers = {}
    for name in [*names, None] if args.final else names:
        started = time.time()
        rows, feats = sets.training(name)
        weights = row_weights(rows, balance=True, v2_weight=0.5)
        # the reader learns on what the cascade sends it: rows the rules flag or the learned stage
        # (its own fold, in-sample) scores at or above the gate
        keep = np.flatnonzero(gate_scores(mlp_folds[name] if name else final_mlp, feats) >= gate)
        readers[name] = fit_reader(
            [rows[i] for i in keep], [feats[i] for i in keep], base, weights[keep], epochs=args.epochs
        )
        print(f"reader without {name}: {len(keep)} of {len(rows)} rows, {time.time() - started:.0f} s", flush=True)
    cascade = {n: stage_from(args.lowo_dir / f"without_{n}.npz", reader_from(readers[n], gate)) for n in names}
    final = stage_from(args.mlp, reader_from(readers[None], gate)) if args.final else None
    chosen = evaluate(sets, cascade, final, "cascade", target)
    if not args.final:
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        version=VERSION,
        gate=np.float32(gate),
        mix=np.float32(MIX),
        risk_platt=chosen["calibration"]["risk"].astype(np.float32),
        alert_platt=chosen["calibration"]["alert"].astype(np.float32),
        alert_threshold=np.float32(chosen["alert_t"]),
        risk_threshold=np.float32(chosen["risk_t"]),
        level_thresholds=np.array(chosen["level_t"], dtype=np.float32),
        **{k: v.astype(np.float16) for k, v in readers[None].items()},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
