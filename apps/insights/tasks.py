import logging

from celery import shared_task

from apps.accounts.models import ConsentDecision, ConsentKind, ConsentRecord, PatientProfile
from apps.core import context
from apps.core.jobs import enqueue
from apps.insights import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="insights.analyse_text", acks_late=True, max_retries=5)
def analyse_text(self, source_type: str, source_id: str) -> None:
    with context.bind(context.RequestContext(request_id=self.request.id or context.new_request_id(), via="task")):
        try:
            services.text_analyse(source_type=source_type, source_id=source_id)
        except Exception as exc:
            if self.request.retries >= self.max_retries:
                logger.error("text analysis of %s %s failed: %s", source_type, source_id, type(exc).__name__)
                raise
            raise self.retry(exc=exc, countdown=min(600, 5 * 2**self.request.retries)) from exc


@shared_task(name="insights.resume_missing")
def resume_missing() -> int:
    """Every minute (beat): send again the check-in note analyses whose job was lost (see the service)."""
    with context.bind(context.RequestContext(request_id=context.new_request_id(), via="task")):
        return services.text_analyses_resume_missing()


@shared_task(name="insights.mine_patterns")
def mine_patterns(patient_id: str) -> None:
    with context.bind(context.RequestContext(request_id=context.new_request_id(), via="task")):
        patient = PatientProfile.objects.select_related("practice").filter(pk=patient_id).first()
        if patient is not None:
            services.patterns_refresh(patient=patient)


@shared_task(name="insights.mine_patterns_nightly")
def mine_patterns_nightly() -> int:
    """Fan out one job per patient whose latest AI-processing decision is an acceptance."""
    latest: dict = {}
    for patient_id, decision in (
        ConsentRecord.objects.filter(kind=ConsentKind.AI_PROCESSING)
        .order_by("decided_at")
        .values_list("patient_id", "decision")
    ):
        latest[patient_id] = decision
    consenting = [pid for pid, decision in latest.items() if decision == ConsentDecision.ACCEPTED]
    for patient_id in consenting:
        enqueue("insights.mine_patterns", patient_id=str(patient_id))
    return len(consenting)
