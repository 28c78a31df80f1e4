"""A bounded schemathesis run in the suite: the OpenAPI schema describes what every operation answers.

In-process (Django's WSGI app, the test's own database), a fixed seed and a few examples per operation:
every GET as the patient, the assigned clinician and the practice admin, with path ids pointing at real
records (so 200 bodies are validated, not only 404s), plus a sample of writes. 0 server errors and 0
conformance failures (status code documented, content type, body matching its schema).
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis.checks import CHECKS
from schemathesis.core.failures import FailureGroup

from apps.core.jwt import IssuedRefreshToken
from tests.security.seed import seed_practice_records
from tests.security.test_persona_matrix import fill

EXAMPLES = 3
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# Writes sampled as the persona whose job they are (the rest are exercised by the domain tests).
WRITES = {
    ("POST", "/api/v1/me/checkins/"): "patient",
    ("POST", "/api/v1/me/journals/"): "patient",
    ("POST", "/api/v1/me/questionnaires/"): "patient",
    ("POST", "/api/v1/me/coping/"): "patient",
    ("PATCH", "/api/v1/me/profile/"): "patient",
    ("POST", "/api/v1/devices/"): "patient",
    ("POST", "/api/v1/patients/{patient_pk}/schedules/"): "clinician",
    ("POST", "/api/v1/patients/{patient_pk}/custom-triggers/"): "clinician",
    ("POST", "/api/v1/patients/{patient_pk}/safety-plan/"): "clinician",
    ("PATCH", "/api/v1/practice/alert-policy/"): "admin",
    ("POST", "/api/v1/auth/token/"): "anonymous",
    ("POST", "/api/v1/enrolment/redeem/"): "anonymous",
}


def _checks():
    return [check for check in CHECKS.get_all() if check.__name__ in CHECK_NAMES]


def _run(case, headers: dict, checks) -> str | None:
    try:
        case.call_and_validate(headers=headers, checks=checks)
    except FailureGroup as group:
        return "; ".join(f"{type(e).__name__}: {e.title}: {str(e)[:600]}" for e in group.exceptions)
    except AssertionError as exc:
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return None


def _explore(operation, personas_for, seeded, tokens, checks, failures) -> int:
    """EXAMPLES generated cases of one operation (path ids swapped for real records), each as the personas."""
    calls = 0
    label = f"{operation.method.upper()} {operation.path}"
    real = fill(operation.path, seeded.ids_by_segment, seeded.patient_id).split("/")
    template = operation.path.split("/")

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def explore(case):
        nonlocal calls
        for name in list(case.path_parameters or {}):
            case.path_parameters[name] = real[template.index("{" + name + "}")]
        for persona in personas_for:
            calls += 1
            problem = _run(case, tokens[persona], checks)
            if problem:
                failures.setdefault(f"{label} as {persona}", problem)

    explore()
    return calls


@pytest.fixture
def connection_kept_across_requests():
    """Django's WSGI handler closes the connection after each request, which would end the test's
    transaction (PostgreSQL: "Cannot open a new connection in an atomic block"); its test client
    unhooks the same signals."""
    hooks = (signals.request_started, signals.request_finished)
    for hook in hooks:
        hook.disconnect(close_old_connections)
    yield
    for hook in hooks:
        hook.connect(close_old_connections)


def test_every_operation_answers_as_its_schema_says(personas, connection_kept_across_requests):
    seeded = seed_practice_records(personas)
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    tokens = {
        name: {"Authorization": f"Bearer {IssuedRefreshToken.for_user(user).access_token}"}
        for name, user in (("patient", personas.patient), ("clinician", personas.clinician), ("admin", personas.admin))
    }
    tokens["anonymous"] = {}
    checks = _checks()
    assert len(checks) == len(CHECK_NAMES)
    failures: dict[str, str] = {}
    cases = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key[0] == "GET":
            personas_for = ["patient", "clinician", "admin"]
        elif key in WRITES:
            personas_for = [WRITES[key]]
        else:
            continue
        cases += _explore(operation, personas_for, seeded, tokens, checks, failures)

    print(f"schemathesis: {cases} cases, {len(failures)} failing operations")
    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
