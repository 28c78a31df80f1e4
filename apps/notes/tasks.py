from apps.core.jobs import job
from apps.notes.processing import input_process, session_input_fail


@job("notes.process_input", max_retries=5, fail=session_input_fail)
def process_input(input_id: str) -> None:
    input_process(input_id=input_id)
