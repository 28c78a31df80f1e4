"""The apps import each other in one direction only, at module level, so a reader can follow the layers
in the README from the bottom up and nothing surprising happens at import time.

Layers, bottom first: an app may import apps in its own layer or below, never above, and never
inside a function body (an import hidden there is still an edge, just one that review cannot see).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS: list[tuple[str, ...]] = [
    ("core",),  # request context, errors, fields, jobs, offline-sync and audio helpers
    ("audit",),  # the hash-chained trail
    ("accounts",),  # practices, people, scope, consent, devices, and the door to patient data
    ("alerts",),  # the risk-signal queue and alerts: everything below the domain apps records into it
    ("checkins", "journals"),  # what patients submit
    ("insights",),  # analysis of what they submit
    ("notes",),  # sessions and signed notes
    ("plans",),  # safety and treatment plans, suggestions, the pre-session brief
    ("privacy",),  # the patient's export and erasure: reads and removes the rows of every app below
    ("practice",),  # onboarding, enrolment, demo data, key rotation: nothing imports it
    ("web",),  # the clinician web app: pages over the domain apps' services and selectors
    ("patient_app",),  # the patient PWA's pages, adapters over the services below: nothing imports it
]
LAYER = {app: level for level, apps in enumerate(LAYERS) for app in apps}

# Edges that still run up, each waiting for its inversion. The test fails when one goes away (shrink
# this list) as well as when a new one appears.
KNOWN_UPWARD: dict[tuple[str, str], str] = {
    ("alerts", "plans"): "support_for() links the patient's own safety plan when there is one",
    ("insights", "plans"): "pattern mining reads the coping log as daily factors",
    ("journals", "insights"): "the journal job runs the text analysis; deleting an entry deletes it",
}


def _imports():
    """(importing app, imported app, module, line, inside a function?) for every cross-app import."""
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source_app = path.relative_to(ROOT / "apps").parts[0]
        tree = ast.parse(path.read_text())
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                in_function |= {id(n) for n in ast.walk(node) if n is not node}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "apps" and len(parts) > 1 and parts[1] != source_app:
                    yield source_app, parts[1], path.relative_to(ROOT), node.lineno, id(node) in in_function


def test_every_app_has_a_layer():
    apps = {p.name for p in (ROOT / "apps").iterdir() if (p / "__init__.py").exists()}
    assert apps == set(LAYER)


def test_no_import_goes_up_the_layers():
    upward = defaultdict(list)
    for source, target, path, line, _ in _imports():
        if LAYER[target] > LAYER[source]:
            upward[(source, target)].append(f"{path}:{line}")
    unexpected = {edge: sites for edge, sites in upward.items() if edge not in KNOWN_UPWARD}
    assert unexpected == {}
    assert set(upward) == set(KNOWN_UPWARD), "an inversion landed: remove it from KNOWN_UPWARD"


def test_no_cross_app_import_hides_in_a_function_body():
    hidden = [
        f"{path}:{line} imports apps.{target}"
        for source, target, path, line, in_function in _imports()
        if in_function and (source, target) not in KNOWN_UPWARD
    ]
    assert hidden == []


def test_the_practice_layer_is_imported_by_no_app():
    assert [f"{path}:{line}" for _, target, path, line, _ in _imports() if target == "practice"] == []


def test_the_web_app_is_imported_by_no_app():
    assert [f"{path}:{line}" for _, target, path, line, _ in _imports() if target == "web"] == []
