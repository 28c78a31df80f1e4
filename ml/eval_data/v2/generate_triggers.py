"""Builds the trigger training and development sets (second round, issue 15), deterministically.

    python ml/eval_data/v2/generate_triggers.py

Writes triggers_train.jsonl and triggers_dev.jsonl next to this file from both rounds of
hand-written seeds (``seeds_triggers.py``, ``seeds_triggers_extra.py``) and the first-generation
sentences (``ml/eval_data/triggers.jsonl``, training only, class ``legacy``). Per seed, up to three
slot fills, each written plainly, inside a framing (a lead-in such as "Honestly," or an everyday
sentence before or after it: the theme is one sentence of a short entry) and dictated
(``generate.dictate``: lower case, no punctuation, fillers, split words). A seed and all its
variants go to the same split (``generate.split_of``, the same hash as the first round, so the
first round's dev seeds stay in dev). The risk sets' "everyday_journal" negatives still come from
the first round only (``generate.trigger_rows``), so regenerating these does not change the risk sets.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import seeds_triggers  # noqa: E402
import seeds_triggers_extra  # noqa: E402
from generate import LEADS, LEGACY, dictate, fills, group_of, lower_first, split_of, write  # noqa: E402

SLOTS = {**seeds_triggers.SLOTS, **seeds_triggers_extra.SLOTS}
# everyday sentences that go before or after a theme sentence (no theme of their own)
BESIDE = [
    "Not much else to report.",
    "Anyway, that was the day.",
    "It's raining again.",
    "I'll write more tomorrow.",
    "Bit of a long one today.",
    "Had toast for breakfast.",
    "Not sure what else to say.",
    "Started this entry three times.",
]
FILLS = 3


def framed(text: str, rng: random.Random) -> str:
    """The sentence with a lead-in, or as one sentence of a short entry."""
    choice = rng.random()
    if choice < 0.4:
        return rng.choice(LEADS) + lower_first(text)
    if choice < 0.7:
        return f"{rng.choice(BESIDE)} {text}"
    return f"{text} {rng.choice(BESIDE)}"


def trigger_rows() -> dict[str, list[dict]]:
    rng = random.Random(17)
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

    def variants(split: str, text: str, category: str, cls: str, seed: str, secondary: str = "") -> None:
        wrapped = framed(text, rng)
        add(split, text, category, "written", cls or cls_of(text, category), seed, secondary)
        add(split, wrapped, category, "written", cls or cls_of(text, category), seed, secondary)
        add(split, dictate(text, rng), category, "dictated", cls or cls_of(text, category), seed, secondary)
        add(split, dictate(wrapped, rng), category, "dictated", cls or cls_of(text, category), seed, secondary)

    seeds: dict[str, list[str]] = {}
    for module in (seeds_triggers, seeds_triggers_extra):
        for category, items in module.SEEDS.items():
            seeds.setdefault(category, []).extend(items)
    for category, items in seeds.items():
        for template in items:
            for text in fills(template, SLOTS, rng, FILLS):
                variants(split_of(template), text, category, "", template)
    for category, secondary, text in [*seeds_triggers.TWO_THEME, *seeds_triggers_extra.TWO_THEME]:
        variants(split_of(text), text, category, "two_theme", text, secondary)
    for line in (LEGACY / "triggers.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            add("train", row["text"], row["category"], "written", "legacy", row["text"])
    return sets


def main() -> None:
    for split, rows in trigger_rows().items():
        write(f"triggers_{split}.jsonl", rows)
        print(f"triggers_{split}.jsonl: {len(rows)} rows")


if __name__ == "__main__":
    main()
