"""Every operation in the OpenAPI schema × every persona: nobody learns about a record they may not see.

Generated from the schema, so a new endpoint is in the matrix the day it is documented (an ``{id}`` after
a path segment this file has no record for fails the test until ``seed_practice_records`` names one).
A leak is any of:
- a 2xx for an operation that names one of our records, from a persona with no right to it;
- an answer for our record that differs from the answer for a random id (an existence oracle: another
  practice's data must be a 404, exactly like data that does not exist);
- one of our patient's identifiers or PHI markers in any answer to such a persona;
- clinical PHI markers in an answer to the practice admin (kept out of clinical scope).
The hand-written tables in tests/apps/accounts/test_scoping.py add the write bodies and audit checks.
"""

from __future__ import annotations

import re
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from tests.conftest import bearer_client, make_user
from tests.security.seed import CLINICAL_MARKERS, seed_practice_records

METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"\{([^}]+)\}")
# Personas with no right to anything of our patient's through these paths.
STRANGERS = ("unassigned_clinician", "outsider_clinician", "outsider_admin", "outsider_patient", "anonymous")


def operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method, path) for path, item in schema["paths"].items() for method in METHODS if method in item]


def fill(path: str, ids: dict[str, str], patient_id: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "patient_pk":
            return patient_id
        segment = "inputs" if name == "input_pk" else path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        assert segment in ids, f"{path}: no record for {{{name}}} after '{segment}/' in tests/security/seed.py"
        return ids[segment]

    return PARAM.sub(value, path)


def call(client: APIClient, method: str, url: str):
    return client.get(url) if method == "get" else getattr(client, method)(url, {}, format="json")


def text_of(response) -> str:
    kind = response.get("content-type", "")
    return response.content.decode(errors="replace") if ("json" in kind or "text" in kind) else ""


@pytest.fixture
def cast(personas):
    other_admin = make_user(personas.other_practice, "matrixadmin", "practice_admin")
    clients = {
        "unassigned_clinician": bearer_client(personas.unassigned_clinician),
        "outsider_clinician": bearer_client(personas.outsider),
        "outsider_admin": bearer_client(other_admin),
        "outsider_patient": bearer_client(personas.outsider_patient_profile.user),
        "anonymous": APIClient(),
        "patient": bearer_client(personas.patient),
        "clinician": bearer_client(personas.clinician),
        "admin": bearer_client(personas.admin),
    }
    return clients


def test_no_persona_learns_of_a_record_outside_its_scope(personas, cast):
    seeded = seed_practice_records(personas)
    # an id that names nothing, of the same type (a note version is a number within its session)
    random_ids = {
        segment: "99999" if value.isdigit() else str(uuid.uuid4()) for segment, value in seeded.ids_by_segment.items()
    }
    ours = seeded.record_ids | set(CLINICAL_MARKERS)
    ops = operations()
    leaks, server_errors, pairs = [], [], 0
    for persona, client in cast.items():
        for method, path in ops:
            named = bool(PARAM.search(path))
            staff_path = path.startswith(("/api/v1/patients/{", "/api/v1/alerts/{"))
            stranger = persona in STRANGERS or (persona == "patient" and staff_path)
            if not stranger and method != "get":
                continue  # entitled writes are the domain tests' business; here they would change the fixtures
            pairs += 1
            url = fill(path, seeded.ids_by_segment, seeded.patient_id)
            response = call(client, method, url)
            if response.status_code >= 500:
                server_errors.append((persona, method, url, response.status_code))
            body = text_of(response)
            if persona == "admin" and any(marker in body for marker in CLINICAL_MARKERS):
                leaks.append((persona, method, path, "clinical PHI to the practice admin"))
            if not stranger:
                continue
            if named and 200 <= response.status_code < 300:
                leaks.append((persona, method, path, f"{response.status_code} for our record"))
            if named:
                control = call(client, method, fill(path, random_ids, str(uuid.uuid4())))
                if control.status_code != response.status_code:
                    leaks.append((persona, method, path, f"{response.status_code} vs {control.status_code} unknown"))
            found = sorted(i for i in ours if i in body)
            if found:
                leaks.append((persona, method, path, f"answer carries {found}"))
    assert server_errors == []
    assert leaks == [], f"{len(leaks)} leaks in {pairs} pairs"
    assert pairs >= len(ops) * len(STRANGERS)
    stranger_ids = {personas.unassigned_clinician.id, personas.outsider.id, personas.outsider_patient_profile.user.id}
    changed = AuditEvent.objects.filter(
        actor_id__in=stranger_ids, patient_id=personas.patient_profile.id, action__in=["create", "update", "delete"]
    )
    assert not changed.exists(), "a stranger changed our patient's records"
    print(f"persona matrix: {len(ops)} operations, {len(cast)} personas, {pairs} pairs, {len(leaks)} leaks")
