"""Builds the v2 training and development sets from the hand-written seeds, deterministically.

    python ml/eval_data/v2/generate.py

Writes risk_train.jsonl, risk_dev.jsonl, triggers_train.jsonl and triggers_dev.jsonl next to this
file. Every row has ``style`` (written | dictated) and ``class`` (the failure class of issue 15 it
exercises). Variants: slot fills, an optional lead-in, a dictated rendering (lower case, no
punctuation, fillers, split words, some apostrophes dropped, as speech-to-text writes it) and, for
risk, a run-on entry with the clause buried between everyday clauses. A seed and all its variants
go to the same split (by a hash of the seed), so the development set holds wording never trained on.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import seeds_risk  # noqa: E402
import seeds_risk_extra  # noqa: E402
import seeds_risk_v3  # noqa: E402
import seeds_triggers  # noqa: E402

RISK_SEEDS: dict[str, list[tuple[str, str]]] = {cls: list(seeds) for cls, seeds in seeds_risk.SEEDS.items()}
for _cls, _seeds in seeds_risk_extra.SEEDS.items():
    RISK_SEEDS.setdefault(_cls, []).extend(_seeds)
NEUTRAL_CLAUSES = seeds_risk.NEUTRAL_CLAUSES + seeds_risk_extra.NEUTRAL_CLAUSES

LEGACY = HERE.parent  # ml/eval_data: the first development sets, added to training only
SPLIT_WORDS = {
    "overdose": "over dose",
    "myself": "my self",
    "painkillers": "pain killers",
    "goodbye": "good bye",
    "anymore": "any more",
    "everyone": "every one",
    "nobody": "no body",
    "tonight": "to night",
    "someone": "some one",
    "self-harm": "self harm",
    "self-harming": "self harming",
}
LEADS = ["Honestly, ", "I don't know, ", "To be honest ", "Today ", "Okay so ", "Again, ", "Ugh. "]
# trigger seeds that are not plainly free of risk, so they are not used as risk negatives
NOT_RISK_NEGATIVES = {"I feel like nobody would notice if I stopped turning up."}


def group_of(seed: str) -> str:
    """Variants of one seed share a group, so cross-validation folds never split them."""
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:8]


def split_of(seed: str) -> str:
    return "dev" if int(hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest(), 16) % 4 == 0 else "train"


def fills(template: str, slots: dict, rng: random.Random, n: int) -> list[str]:
    names = re.findall(r"\{(\w+)\}", template)
    if not names:
        return [template]
    out: list[str] = []
    for _ in range(n * 4):
        text = template
        for name in names:
            text = text.replace("{" + name + "}", rng.choice(slots[name]), 1)
        text = text[0].upper() + text[1:]
        if text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out


def dictate(text: str, rng: random.Random) -> str:
    """How a speech-to-text engine writes it: no casing or punctuation, fillers, split words."""
    words = []
    for word in text.lower().replace("\u2019", "'").split():
        bare = re.sub(r"[^\w'-]", "", word)
        if not bare:
            continue
        if bare in SPLIT_WORDS and rng.random() < 0.5:
            bare = SPLIT_WORDS[bare]
        bare = bare.replace("-", " ")
        if "'" in bare and rng.random() < 0.3:
            bare = bare.replace("'", "")
        words.append(bare)
    for _ in range(rng.choice((0, 1, 1, 2))):
        words.insert(rng.randrange(len(words) + 1), rng.choice(seeds_risk.FILLERS).lower())
    return " ".join(words)


def lower_first(text: str) -> str:
    return text if text.startswith("I ") or text.startswith("I'") else text[0].lower() + text[1:]


def bury(text: str, rng: random.Random, clauses: list[str] = NEUTRAL_CLAUSES) -> str:
    """The clause in the middle of a run-on written entry."""
    a, b, c = rng.sample(clauses, 3)
    core = lower_first(text.rstrip(".!?"))
    return f"{a[0].upper() + a[1:]}, {b} and {core}, then {c}."


def sentence(text: str) -> str:
    """A seed as a written sentence of an entry (dictated-style seeds get a capital and a full stop)."""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def risk_rows() -> dict[str, list[dict]]:
    rng = random.Random(15)
    sets: dict[str, list[dict]] = {"train": [], "dev": []}
    seen: set[str] = set()

    def add(split: str, text: str, level: str, style: str, cls: str, seed: str) -> None:
        if text in seen:
            return
        seen.add(text)
        row = {"text": text, "risk": level != "none", "level": level, "style": style, "class": cls}
        sets[split].append({**row, "seed": group_of(seed)})

    for cls, seeds in RISK_SEEDS.items():
        for level, template in seeds:
            split = split_of(template)
            for text in fills(template, seeds_risk.SLOTS, rng, 4):
                written = rng.choice(LEADS) + lower_first(text) if rng.random() < 0.3 else text
                add(split, written, level, "written", cls, template)
                add(split, dictate(text, rng), level, "dictated", cls, template)
            if cls in {"retraction"}:
                continue
            if level != "none" or cls in {"ending_things", "idiom", "third_person"}:
                for text in fills(template, seeds_risk.SLOTS, rng, 2):
                    add(split, bury(text, rng), level, "written", "buried", template)
                    add(split, dictate(bury(text, rng), rng), level, "dictated", "buried", template)
                    before, after = rng.sample(NEUTRAL_CLAUSES, 2)
                    entry = f"{before[0].upper() + before[1:]}. {text} {after[0].upper() + after[1:]}."
                    add(split, entry, level, "written", "in_entry", template)
    # Third round (seeds_risk_v3): its own random stream, so the rows above stay as they were.
    rng = random.Random(153)
    clauses = NEUTRAL_CLAUSES + seeds_risk_v3.NEUTRAL_CLAUSES
    for cls, seeds in seeds_risk_v3.SEEDS.items():
        for level, text in seeds:
            split = split_of(text)
            written = rng.choice(LEADS) + lower_first(text) if rng.random() < 0.3 else text
            add(split, written, level, "written", cls, text)
            add(split, dictate(text, rng), level, "dictated", cls, text)
            add(split, bury(text, rng, clauses), level, "written", "buried", text)
            add(split, dictate(bury(text, rng, clauses), rng), level, "dictated", "buried", text)
            before, after = rng.sample(clauses, 2)
            add(
                split,
                f"{before[0].upper() + before[1:]}. {sentence(text)} {after[0].upper() + after[1:]}.",
                level,
                "written",
                "in_entry",
                text,
            )
    for line in (LEGACY / "risk.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            add("train", row["text"], row["level"], "written", "legacy", row["text"])
    # Everyday journal sentences (the trigger seeds, same split) and the run-on clauses on their own:
    # most of what a detector reads is ordinary, and it must stay quiet there.
    for clause in NEUTRAL_CLAUSES + seeds_risk_v3.NEUTRAL_CLAUSES:
        add("train", clause[0].upper() + clause[1:] + ".", "none", "written", "everyday_journal", clause)
    for split, rows in trigger_rows().items():
        for row in rows:
            if row["class"] != "legacy" and row["text"] not in NOT_RISK_NEGATIVES:
                add(split, row["text"], "none", row["style"], "everyday_journal", row["text"])
    return sets


def trigger_rows() -> dict[str, list[dict]]:
    rng = random.Random(16)
    taxonomy = json.loads((HERE.parents[1] / "data" / "taxonomy.json").read_text())["categories"]
    keyword = {
        key: re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(k) for k in spec["keywords"]) + r")(?![\w'])", re.I)
        for key, spec in taxonomy.items()
    }
    sets: dict[str, list[dict]] = {"train": [], "dev": []}
    seen: set[str] = set()

    def add(split: str, text: str, category: str, style: str, cls: str, seed: str, secondary: str = "") -> None:
        if text in seen:
            return
        seen.add(text)
        row = {"text": text, "category": category, "style": style, "class": cls, "seed": group_of(seed)}
        if secondary:
            row["secondary"] = secondary
        sets[split].append(row)

    def cls_of(text: str, category: str) -> str:
        if category == "none":
            return "no_theme"
        return "keyword" if keyword[category].search(text) else "indirect"

    for category, seeds in seeds_triggers.SEEDS.items():
        for template in seeds:
            split = split_of(template)
            for text in fills(template, seeds_triggers.SLOTS, rng, 2):
                add(split, text, category, "written", cls_of(text, category), template)
                add(split, dictate(text, rng), category, "dictated", cls_of(text, category), template)
    for category, secondary, text in seeds_triggers.TWO_THEME:
        split = split_of(text)
        add(split, text, category, "written", "two_theme", text, secondary)
        add(split, dictate(text, rng), category, "dictated", "two_theme", text, secondary)
    for line in (LEGACY / "triggers.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            add("train", row["text"], row["category"], "written", "legacy", row["text"])
    return sets


def write(name: str, rows: list[dict]) -> None:
    with open(HERE / name, "w") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    for split, rows in risk_rows().items():
        write(f"risk_{split}.jsonl", rows)
        print(f"risk_{split}.jsonl: {len(rows)} rows")
    # the trigger sets have their own generator (both rounds of seeds); trigger_rows above stays
    # the first round, which the risk sets use as everyday negatives
    import generate_triggers

    generate_triggers.main()


if __name__ == "__main__":
    main()
