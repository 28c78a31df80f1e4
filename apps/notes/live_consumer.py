"""``/ws/sessions/<session_id>/live/``: a live session over one websocket (protocol in the README).

Security invariants: the caller is authenticated like ``/ws/events/`` (cookie or bearer subprotocol,
never a token in the URL) and must be care staff who may write to the session's patient through the
door's scope (``apps.accounts.door.scoped``); anyone else is closed at the handshake with nothing sent.
A patient without session-recording consent gets one ``consent_required`` error, then close 4403.
Cues go only to a clinician who opted in (``LiveCuePreference``) and each is audited.

Decoding and the text detectors run in a small thread pool (CTranslate2 releases the GIL), never on
the event loop; each connection processes its audio in order through one worker task.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import connections

from apps.accounts.door import Purpose, scoped
from apps.accounts.models import ConsentKind
from apps.accounts.selectors import consent_is_granted
from apps.core.audio import transcriber_config
from apps.core.errors import ServiceError
from apps.core.ws_auth import PROTOCOL
from apps.notes import live_memo, live_signals
from apps.notes.live_audio import PART_SECONDS, RATE
from apps.notes.live_chunks import ChunkAttributions
from apps.notes.models import ClinicalSession, LiveCuePreference
from apps.notes.services import live
from apps.notes.services.live import CONSENT_MESSAGE

logger = logging.getLogger(__name__)
UNAUTHORISED, NOT_FOUND, CONSENT_REQUIRED = 4401, 4404, 4403
PROGRESS_EVERY_S = 1.0
_pool: ThreadPoolExecutor | None = None
DRAINING: set[asyncio.Future] = set()  # workers finishing a dropped connection's audio


def decode_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=settings.LIVE_DECODE_THREADS, thread_name_prefix="live-decode")
    return _pool


async def _in_pool(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(decode_pool(), fn, *args)


def _closing(fn, kwargs):
    try:
        return fn(**kwargs)
    finally:
        connections.close_all()  # this pool thread's own connections


async def _heavy_db(fn, **kwargs):
    """Database work with heavy compute in it (stop: the WAV, speakers, the draft) runs in the pool, not
    on the one thread that serves every sync view of this process (``/health/live`` included)."""
    return await _in_pool(_closing, fn, kwargs)


@database_sync_to_async
def _session_for(user, session_id):
    if user is None or not user.is_authenticated or not user.is_care_staff:
        return None
    rows = scoped(ClinicalSession.objects.select_related("patient"), user, Purpose.CLINICAL, method="POST")
    try:
        return rows.filter(pk=session_id).first()
    except (ValueError, TypeError):
        return None


@database_sync_to_async
def _consented(session) -> bool:
    return consent_is_granted(patient_id=session.patient_id, kind=ConsentKind.SESSION_RECORDING)


@database_sync_to_async
def _open(user, session, channels, input_id):
    item = live.live_input_open(actor=user, session=session, channels=channels, input_id=input_id)
    enabled = LiveCuePreference.objects.filter(user=user, cues_enabled=True).exists()
    goals = live.plan_goals(patient_id=session.patient_id)[0] if enabled else []
    return item, enabled, goals


def _stream(offset: float, channels: int):
    """The stream, with every model it will need loaded now (before ``ready``), not at its first commit
    or at stop: the transcriber, the text detectors (risk, emotions) and, for mono, the voice encoder."""
    from ml.analysis import get_analyzer
    from ml.live_stream import LiveStream
    from ml.transcription import get_transcriber
    from ml.voice_encoder import get_voice_encoder

    get_analyzer()
    if channels == 1:
        get_voice_encoder()
    return LiveStream(
        get_transcriber(transcriber_config()),
        channels=channels,
        policy=settings.LIVE_POLICY,
        offset=offset,
        beam_size=settings.LIVE_BEAM_SIZE,
    )


def _in_order(utterances: list[dict]) -> list[dict]:
    return sorted(utterances, key=lambda u: (u["start"], u["end"]))


class LiveSessionConsumer(AsyncWebsocketConsumer):
    item = None

    async def connect(self):
        user = self.scope.get("user")
        self.session = await _session_for(user, self.scope["url_route"]["kwargs"]["session_id"])
        if self.session is None:
            await self.close(code=UNAUTHORISED if not getattr(user, "is_authenticated", False) else NOT_FOUND)
            return
        self.user = user
        offered = self.scope.get("subprotocols", [])
        await self.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
        if not await _consented(self.session):
            await self.send_json({"type": "error", "code": "consent_required", "message": CONSENT_MESSAGE})
            await self.close(code=CONSENT_REQUIRED)
            return
        self.jobs: asyncio.Queue = asyncio.Queue()
        self.worker = None
        self.open = True
        self.audio = bytearray()
        self.paused = False

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content))

    async def error(self, code: str, message: str):
        await self.send_json({"type": "error", "code": code, "message": message})

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            if self.item is None or self.paused:
                await self.error("not_streaming", "Send start (or resume) before audio.")
                return
            self.audio += bytes_data
            if len(self.audio) >= PART_SECONDS * RATE * 2 * self.channels:
                await self._save_audio()
            await self.jobs.put(("audio", bytes(bytes_data)))
            return
        try:
            message = json.loads(text_data or "")
            kind = message.get("type")
        except (ValueError, AttributeError):
            await self.error("invalid", "Control messages are JSON objects with a type.")
            return
        if kind == "start":
            await self._start(message)
        elif kind in ("pause", "resume", "stop") and self.item is None:
            await self.error("not_started", "Send start first.")
        elif kind == "pause":
            self.paused = True
            await self._save_audio()
            await self.jobs.put(("finish", None))
        elif kind == "resume":
            self.paused = False
        elif kind == "stop":
            await self._save_audio()
            await self.jobs.put(("finish", None))
            await self.jobs.put(("stop", None))
        else:
            await self.error("invalid", f"Unknown message type {kind!r}.")

    async def _start(self, message):
        if self.item is not None:
            await self.error("already_started", "This connection is already streaming.")
            return
        channels = message.get("channels", 1)
        if channels not in (1, 2):
            await self.error("invalid", "channels must be 1 or 2.")
            return
        try:
            item, self.cues_enabled, goals = await _open(self.user, self.session, channels, message.get("input_id"))
        except ServiceError as exc:
            await self.error(exc.error_code, exc.message)
            if exc.error_code == "consent_required":  # consent withdrawn between connect and start
                await self.close(code=CONSENT_REQUIRED)
            return
        self.item, self.channels = item, channels
        self.cue_state = live_signals.CueState(goals=goals)
        self.stream = await _in_pool(_stream, item.audio_seconds or 0.0, channels)
        self.chunks = ChunkAttributions(item.audio_seconds or 0.0) if channels == 1 else None
        self.voice_jobs: asyncio.Queue = asyncio.Queue()
        self.voices = asyncio.ensure_future(self._voices()) if self.chunks is not None else None
        self.memo = live_memo.memo_for(item.pk)
        self.warming: list = []  # concurrent futures in live_memo's low-priority thread
        self.last_progress, self.committed = 0.0, item.audio_seconds or 0.0
        self.signal_jobs: asyncio.Queue = asyncio.Queue()
        self.signals = asyncio.ensure_future(self._signals())
        self.worker = asyncio.ensure_future(self._work())
        await self.send_json({"type": "ready", "input_id": str(item.pk), "resumed_at": item.audio_seconds or 0.0})

    async def _save_audio(self):
        if self.item is not None and self.audio:
            pcm, self.audio = bytes(self.audio), bytearray()
            await database_sync_to_async(live.live_audio_append)(item=self.item, pcm=pcm)

    async def _work(self):
        try:
            await self._work_loop()
        except Exception as exc:  # noqa: BLE001 - the audio is stored; tell the client instead of hanging
            logger.error("live transcription failed for input %s (%s)", self.item.pk, type(exc).__name__)
            if self.open:
                await self.error("internal", "Live transcription failed. The audio is stored; reconnect to resume.")
                await self.close()

    async def _work_loop(self):
        """One connection's audio, in order: policy → decode → persist → events and cues. After a
        drop (``self.open`` false) it carries on storing, without sending, until ``end``."""
        while True:
            kind, data = await self.jobs.get()
            if kind == "audio":
                if self.chunks is not None:
                    self.chunks.feed(data)
                pending = await _in_pool(self.stream.feed, data)
            elif kind == "finish":
                pending = await _in_pool(self.stream.finish)
            elif kind == "stop":
                await self._finish_signals()
                await self._stop()
                return
            else:
                await self._finish_signals()
                if self.voices is not None:  # dropped: a resumed stop attributes what is not in memory
                    while not self.voice_jobs.empty():
                        self.voice_jobs.get_nowait()
                    await self.voice_jobs.put(None)
                return
            for piece in pending:
                segments = await _in_pool(self.stream.decode, piece)
                if segments:
                    await self._commit(segments, self.open)
            if self.open and self.stream.received_until - self.last_progress >= PROGRESS_EVERY_S:
                self.last_progress = self.stream.received_until
                await self.send_json(
                    {
                        "type": "progress",
                        "received_s": round(self.last_progress, 2),
                        "committed_s": round(self.committed, 2),
                    }
                )

    async def _finish_signals(self):
        await self.signal_jobs.put(None)
        await self.signals

    async def _commit(self, segments, send: bool):
        rows = [
            {
                "speaker": s.speaker(self.channels),
                "text": s.text,
                "start": s.start,
                "end": s.end,
                "words": [{"word": w.word, "start": w.start, "end": w.end} for w in s.words],
            }
            for s in segments
        ]
        model = {"model_id": self.stream.transcriber.model_id, "model_version": self.stream.transcriber.model_version}
        added = await database_sync_to_async(live.live_segments_add)(item=self.item, segments=rows, model=model)
        self.committed = max(self.committed, max(s.audio_end for s in segments))
        if self.chunks is not None:
            for job in self.chunks.after_commit(_in_order(self.item.utterances), max(s.start for s in segments)):
                self.voice_jobs.put_nowait(job)
        if send:
            for row in added:
                await self.send_json(
                    {
                        "type": "segment",
                        "id": row["index"],
                        "start": row["start"],
                        "end": row["end"],
                        "speaker": row["speaker"],
                        "text": row["text"],
                    }
                )
        await self.signal_jobs.put((added, list(self.item.utterances), self.committed))

    async def _signals(self):
        """The detectors, behind the transcript (their own worker, in commit order): a slow screen
        never delays the next segment."""
        while (job := await self.signal_jobs.get()) is not None:
            try:
                await self._signal(*job)
            except Exception as exc:  # noqa: BLE001 - one failed screen must not end the session; the offline pass screens again
                logger.error("live signals failed for input %s (%s)", self.item.pk, type(exc).__name__)

    async def _signal(self, added, utterances, now):
        screen, detector = await _in_pool(live_signals.risk_screen, utterances, self.channels == 2, self.memo)
        self._warm(live_memo.warm_commit, utterances)
        cues = await database_sync_to_async(live_signals.risk_record)(
            self.item, screen, detector, self.user.pk, self.cue_state
        )
        if self.cues_enabled:
            cues += await _in_pool(live_signals.clinician_cues, added, utterances, now, self.cue_state)
        if self.open and self.cues_enabled:
            await self._send_cues(cues)

    async def _send_cues(self, cues):
        for cue in cues:
            await database_sync_to_async(live.live_cue_record)(
                actor=self.user, item=self.item, kind=cue["kind"], at=cue["at"]
            )
            await self.send_json({"type": "cue", **cue})

    async def _voices(self):
        """Mono speakers, behind the transcript (``live_chunks``: embed each commit, attribute each
        finished chunk, regroup the open one now and then), one job at a time, in the pool."""
        while (job := await self.voice_jobs.get()) is not None:
            try:
                result = await _in_pool(self.chunks.run, job)
            except Exception as exc:  # noqa: BLE001 - stop attributes what is missing
                logger.error("live speakers failed for input %s (%s)", self.item.pk, type(exc).__name__)
                continue
            if result is not None:
                self._warm(live_memo.warm_chunk, result["pieces"])

    async def _finish_voices(self) -> None:
        """Stop: the job running finishes; of those waiting, the chunks to attribute are done now with
        the open one (``ChunkAttributions.stop``), the embeddings and regroups are dropped."""
        waiting = []
        while not self.voice_jobs.empty():
            waiting.append(self.voice_jobs.get_nowait())
        await self.voice_jobs.put(None)
        await self.voices
        done = await _in_pool(self.chunks.stop, _in_order(self.item.utterances), waiting)
        logger.info("live stop for input %s: %s", self.item.pk, done)

    def _warm(self, fn, rows):
        """What the draft at stop will read, computed now in the low-priority thread (``live_memo``)."""
        self.warming = [f for f in self.warming if not f.done()]
        self.warming.append(live_memo.warm_pool().submit(fn, self.memo, rows))

    async def _stop_warming(self):
        """Stop does not wait for a backlog of warming: what has not started is computed by the draft."""
        for future in self.warming:
            future.cancel()
        running = [asyncio.wrap_future(f) for f in self.warming if not f.cancelled()]
        await asyncio.gather(*running, return_exceptions=True)
        self.warming = []

    async def _stop(self):
        model = {"model_id": self.stream.transcriber.model_id, "model_version": self.stream.transcriber.model_version}
        if self.chunks is not None:
            await self._finish_voices()
        attributed = self.chunks.done if self.chunks is not None else None
        await self._stop_warming()
        try:
            item, note = await _heavy_db(
                live.live_input_finish,
                actor=self.user,
                item=self.item,
                model=model,
                attributed=attributed,
                memo=self.memo,
            )
        finally:
            live_memo.memo_drop(self.item.pk)
        await self.send_json({"type": "done", "input_id": str(item.pk), "draft_id": str(note.pk) if note else None})
        self.item = None
        await self.close()

    async def disconnect(self, code):
        """A dropped connection keeps everything: the unsaved audio is sealed and the open utterance
        is transcribed and stored; ``start`` with the input id resumes the same input."""
        if self.item is None or getattr(self, "worker", None) is None:
            return
        self.open = False
        await self._save_audio()
        if not self.worker.done():
            await self.jobs.put(("finish", None))
            await self.jobs.put(("end", None))
            # The server may cancel this handler (Daphne after 10 s); the worker drains on regardless.
            DRAINING.add(self.worker)
            self.worker.add_done_callback(DRAINING.discard)
            await asyncio.shield(self.worker)
