import logging

from apps.audit.checkpoints import checkpoint_write
from apps.audit.selectors import audit_chain_verify
from apps.core.jobs import job

logger = logging.getLogger(__name__)


@job("audit.verify_chain")
def verify_chain() -> dict:
    report = audit_chain_verify()
    if report.ok:
        logger.info("audit chain intact: %s events, %s checkpoints", report.checked, report.checkpoints)
    else:
        logger.error("audit chain BROKEN at seq %s: %s", report.first_broken_seq, report.reason)
    return {"ok": report.ok, "checked": report.checked, "first_broken_seq": report.first_broken_seq}


@job("audit.checkpoint")
def write_checkpoint() -> dict:
    """Sign the chain's head into AUDIT_CHECKPOINT_DIR (every AUDIT_CHECKPOINT_MINUTES, by beat)."""
    checkpoint = checkpoint_write()
    if checkpoint is None:
        return {"seq": 0}
    logger.info("audit checkpoint written at seq %s", checkpoint.seq)
    return {"seq": checkpoint.seq, "file": checkpoint.path.name}
