from apps.accounts.models import ConsentDecision, ConsentKind, ConsentRecord, PatientProfile
from apps.core.jobs import enqueue, job
from apps.insights import services


@job("insights.analyse_text", max_retries=5)
def analyse_text(source_type: str, source_id: str) -> None:
    services.text_analyse(source_type=source_type, source_id=source_id)


@job("insights.resume_missing")
def resume_missing() -> int:
    """Every minute (beat): send again the check-in note analyses whose job was lost (see the service)."""
    return services.text_analyses_resume_missing()


@job("insights.mine_patterns")
def mine_patterns(patient_id: str) -> None:
    patient = PatientProfile.objects.select_related("practice").filter(pk=patient_id).first()
    if patient is not None:
        services.patterns_refresh(patient=patient)


@job("insights.mine_patterns_nightly")
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
