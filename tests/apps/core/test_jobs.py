"""Jobs are queued by name after commit; a name nobody registered fails in the request that used it."""

import pytest
from django.db import transaction

from apps.core import jobs


def test_a_job_runs_only_after_the_transaction_commits(personas, django_capture_on_commit_callbacks):
    from apps.insights.models import PatternSnapshot

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        jobs.enqueue_on_commit("insights.mine_patterns", patient_id=str(personas.patient_profile.pk))
    assert len(callbacks) == 1
    assert not PatternSnapshot.objects.exists()
    callbacks[0]()  # eager in tests: runs the real task by name
    assert PatternSnapshot.objects.filter(patient=personas.patient_profile).count() == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            jobs.enqueue_on_commit("core.ping")
            raise RuntimeError
    assert callbacks == []


def test_an_unknown_job_name_is_refused_at_once(db):
    with pytest.raises(LookupError, match="journals.proces"):
        jobs.enqueue_on_commit("journals.proces", entry_id="x")


def test_services_do_not_import_tasks():
    """Services queue by name: no services ↔ tasks import cycle can come back."""
    import ast
    import pathlib

    offenders = []
    for path in pathlib.Path("apps").rglob("*.py"):
        if "tasks" in path.stem or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[-1] == "tasks":
                offenders.append(f"{path}: from {node.module}")
    assert offenders == []


def test_request_threads_share_one_result_backend_when_jobs_return_nothing(settings):
    """Every ASGI request runs in a new thread; Celery built its (stateless, disabled) result backend
    again in each one that queued a job (issue 20). A configured result backend stays per thread."""
    import threading

    from backend.celery import app

    assert settings.CELERY_RESULT_BACKEND is None and settings.CELERY_RESULT_BACKEND_THREAD_SAFE
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(app.backend)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(b) for b in seen}) == 1 and seen[0] is app.backend


def test_every_task_has_the_one_job_shape():
    """Tasks are made by ``apps.core.jobs.job`` (context, backoff, give-up), never by a copied retry block."""
    from backend.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert ours and [name for name, task in ours.items() if not hasattr(task.run, "job_shape")] == []


def test_a_job_checks_its_arguments_against_the_functions_own(db):
    from apps.journals.tasks import process_journal

    with pytest.raises(TypeError):
        process_journal.delay("an-id", False, "an-extra-argument")
