"""The apps import each other in one direction only, at module level, so a reader can follow the layers
in the README from the bottom up and nothing surprising happens at import time.

Layers, bottom first: an app may import apps in its own layer or below, never above, and never
inside a function body (an import hidden there is still an edge, just one that review cannot see).
Where a lower app needs what a higher one knows, it declares a hook (``apps.core.hooks``) that the
higher app answers. No module imports itself back through others: the module graph has no cycle.
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
    assert dict(upward) == {}


def test_no_cross_app_import_hides_in_a_function_body():
    hidden = [
        f"{path}:{line} imports apps.{target}" for source, target, path, line, in_function in _imports() if in_function
    ]
    assert hidden == []


def _module_graph() -> dict[str, set[str]]:
    """Module → the ``apps`` modules it imports, anywhere in it (a function-body import closes a cycle too)."""
    modules: dict[str, Path] = {}
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def resolve(name: str) -> str:
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("apps.") and resolve(target) not in ("apps", name):
                    graph[name].add(resolve(target))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_back():
    assert _cycles(_module_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"a.services": {"a.processing"}, "a.processing": {"a.services", "a.models"}, "a.models": set()}
    assert _cycles(graph) == [["a.processing", "a.services"]]


def test_every_hook_has_its_handler():
    """A lower app's question with nobody to answer it would fail at run time (``apps.core.hooks``)."""
    from apps.core.hooks import Hook

    assert Hook.declared and [hook.name for hook in Hook.declared if not hook.handlers] == []


def test_the_practice_layer_is_imported_by_no_app():
    assert [f"{path}:{line}" for _, target, path, line, _ in _imports() if target == "practice"] == []


def test_the_web_app_is_imported_by_no_app():
    assert [f"{path}:{line}" for _, target, path, line, _ in _imports() if target == "web"] == []


# Apps that own no patient data of their own: the shared infrastructure, the onboarding/demo layer
# (its writes live in ``apps/practice/onboarding.py``) and the clinician web app's pages (adapters).
NO_DOMAIN = {"core", "practice", "web"}


def _has_module(app: str, name: str) -> bool:
    return (ROOT / "apps" / app / f"{name}.py").exists() or (ROOT / "apps" / app / name / "__init__.py").exists()


def test_every_domain_app_writes_in_services_and_reads_in_selectors():
    missing = [
        f"apps/{app}/{name}"
        for app in sorted(set(LAYER) - NO_DOMAIN)
        for name in ("services", "selectors")
        if not _has_module(app, name)
    ]
    assert missing == []


def test_no_service_or_selector_imports_the_http_layer():
    """Services raise ``apps.core.errors`` and ``apps.core.http_errors`` maps them to HTTP, so nothing
    below the views imports DRF (or simplejwt) or picks a status code."""
    offenders = []
    for app in sorted(LAYER):
        for name in ("services", "selectors"):
            base = ROOT / "apps" / app
            paths = [base / f"{name}.py"] + sorted((base / name).rglob("*.py"))
            for path in paths:
                if not path.exists():
                    continue
                for node in ast.walk(ast.parse(path.read_text())):
                    if isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.module:
                        names = [node.module]
                    else:
                        continue
                    offenders += [
                        f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.startswith("rest_framework")
                    ]
    assert offenders == []
