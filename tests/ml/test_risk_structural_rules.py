"""Rules for the structural plan classes of issue 15 (lexicon 1.5): an attempt told as a sequence of
events, affairs put in order, timing and means without risk words, method research while having
the means; each with the look-alike that must stay quiet (moving house, travel, a parent's
medication, a hike, someone else's story). Sentences here are not in the training seeds."""

import pytest

from ml.risk import RiskRules
from ml.text import Span


@pytest.fixture(scope="module")
def rules():
    return RiskRules()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "Friday I got over the parapet of the viaduct and stood there till a cyclist talked me down.",
            "plan.edge_then_back",
        ),
        ("i waded into the canal up to my waist and then got out and went home soaking", "plan.water_then_back"),
        ("I had the scarf around my neck tied to the loft hatch when the cat came in.", "plan.ligature"),
        ("I took about thirty of them and then got scared and rang 111.", "plan.ingest_then_stopped"),
        ("I've asked Tom to have my old dog permanently, he's his now.", "plan.pet_for_good"),
        ("There's a note for Dad and one for Kelly under the clock.", "plan.letters_each"),
        ("I saw the grandkids one last time today and they didn't know it was goodbye.", "plan.goodbye_unknowing"),
        (
            "The spare key, the pin numbers and the insurance are in one envelope so nobody has to hunt.",
            "plan.paperwork_for_after",
        ),
        ("Once the kids are asleep on Saturday I'll go out to the garage, that's when.", "plan.when_alone"),
        ("I won't make it to my next birthday and I'm at peace with that.", "plan.last_occasion"),
        ("I'd got halfway through the packet when the doorbell went.", "plan.partway_through"),
        ("I was holding all my tablets in both hands when my son rang.", "plan.means_in_hand"),
        ("I read how long it would take in the cold water and the lake's right there.", "plan.research_with_means"),
    ],
)
def test_structural_plans_without_risk_words_are_caught(rules, text, rule):
    [finding] = [f for f in rules._rule_findings(_span(text))[0] if f.level == "plan_or_intent"]
    assert finding.source == rule


@pytest.mark.parametrize(
    "text",
    [
        "We stood on the edge of the ridge for a photo and then walked back down to the car.",
        "I gave the kittens to my cousin for good because my new flat doesn't allow pets.",
        "I looked up how much paracetamol my dad can have in a day and we've got two boxes in the cupboard.",
        "My brother said he stood on the ledge of the car park and climbed back, I'm taking him to the GP.",
        "Years ago I stood on the bridge and climbed back over, it feels like another life.",
    ],
)
def test_their_look_alikes_raise_no_plan(rules, text):
    assert rules.screen(text) in {"none", "history"}


def _span(text: str) -> Span:
    return Span(0, len(text), text)
