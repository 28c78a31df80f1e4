import logging

from celery import shared_task

from apps.audit.selectors import audit_chain_verify

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify_chain")
def verify_chain() -> dict:
    report = audit_chain_verify()
    if report.ok:
        logger.info("audit chain intact: %s events", report.checked)
    else:
        logger.error("audit chain BROKEN at seq %s: %s", report.first_broken_seq, report.reason)
    return {"ok": report.ok, "checked": report.checked, "first_broken_seq": report.first_broken_seq}
