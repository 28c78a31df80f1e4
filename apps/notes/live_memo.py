"""The text analysis a live session's draft will need, done while the session goes on (issue 18).

At stop the draft reads every patient sentence's analysis (themes) and every sentence's risk score
(``ml.notes.gather``, ``ml.session_risk``): done then, that grew with the session's length (456 s for
10 minutes of speech at load 27–30). Each live input gets an ``ml.analysis.AnalysisMemo`` kept in this
process, with the connection that will draft at stop:

- as segments commit, the drafter's own ``gather`` runs over the last few utterances (unattributed mono
  speech read as the patient's, like the live risk screen) with the memo, so each sentence's analysis
  and risk score is computed once, behind the transcript;
- as a ten-minute mono chunk is attributed, ``gather`` runs over its attributed pieces, warming the
  texts that depend on who spoke (turns joined by speaker);
- at stop the draft reads the memo (``note_draft_generate(memo=…)``): only text it has not seen (the
  open chunk's re-attributed pieces, chunk boundaries) is analysed then.

Warming runs in one low-priority thread (niceness +``WARM_NICE``), never on the event loop and never in
the decode pool's way. The memo is dropped when the input is stopped; a dropped connection keeps it for
a resume in this process, at most ``MAX_INPUTS`` inputs and ``MAX_IDLE_S`` idle. An input finished
elsewhere (``notes.finish_abandoned_live`` in a worker) drafts without it: the same draft, later.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from apps.notes.live_signals import PATIENT_SIDE, RISK_TAIL
from ml import notes as drafting
from ml.analysis import AnalysisMemo, get_analyzer

MAX_INPUTS = 8  # live inputs remembered per process (one per connection that may resume)
MAX_TEXTS = 20000  # texts per callable per input: a 50-minute session needs a few thousand
MAX_IDLE_S = 2 * 3600  # LIVE_ABANDONED_MINUTES' default: such an input is finished elsewhere
WARM_NICE = 10

_memos: OrderedDict[str, tuple[AnalysisMemo, float]] = OrderedDict()
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_cues: drafting.Cues | None = None


def memo_for(input_id) -> AnalysisMemo:
    """The input's memo (a new one, or the one a dropped connection left)."""
    key, now = str(input_id), time.monotonic()
    with _lock:
        for stale in [k for k, (_, used) in _memos.items() if now - used > MAX_IDLE_S]:
            _memos.pop(stale)[0].clear()
        memo = _memos.pop(key, (None, 0.0))[0] or AnalysisMemo(get_analyzer(), max_entries=MAX_TEXTS)
        _memos[key] = (memo, now)
        while len(_memos) > MAX_INPUTS:
            _memos.popitem(last=False)[1][0].clear()
        return memo


def memo_drop(input_id) -> None:
    """The input is done: its analyses (derived from PHI) go."""
    with _lock:
        entry = _memos.pop(str(input_id), None)
    if entry is not None:
        entry[0].clear()


def memo_held(input_id) -> bool:
    with _lock:
        return str(input_id) in _memos


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + WARM_NICE)
    except (AttributeError, OSError):  # not Linux: a thread's niceness cannot be set, it warms at normal priority
        pass


def warm_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-warm", initializer=_lower_priority)
    return _pool


def _gather(memo: AnalysisMemo, utterances: list[drafting.Utterance]) -> None:
    global _cues
    _cues = _cues or drafting.Cues()
    # Unconfirmed speakers: the screen then reads every sentence it would read with confirmed ones too.
    drafting.gather(utterances, (), memo.analyse, _cues, speakers_confirmed=False, risk=memo.assess)


def warm_commit(memo: AnalysisMemo, utterances: list[dict]) -> None:
    """After a commit: the draft's analyses of the last ``RISK_TAIL`` utterances (``utterances``: all
    committed so far), unattributed mono speech read as the patient's."""
    tail = sorted(utterances, key=lambda u: (u["start"], u["end"]))[-RISK_TAIL:]
    _gather(
        memo,
        [
            drafting.Utterance(
                u["index"], "patient" if u["speaker"] in PATIENT_SIDE else u["speaker"], u["text"], u["start"], u["end"]
            )
            for u in tail
        ],
    )


def warm_chunk(memo: AnalysisMemo, pieces: list[dict]) -> None:
    """After a mono chunk is attributed (``live_chunk_attribute``'s pieces, with their speakers)."""
    _gather(memo, [drafting.Utterance(i, p["speaker"], p["text"], p["start"], p["end"]) for i, p in enumerate(pieces)])
