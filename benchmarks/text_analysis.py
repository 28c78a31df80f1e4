"""Text analysis throughput: the full analysis (split, encode once, triggers + emotions + risk) against
the bare encoder forward pass on the same sentences and batch sizes, measured in the same run.

    .venv/bin/python -m benchmarks.text_analysis

Targets: full / bare sentences-per-second ratio >= 0.8 at batch 1, 8 and 32; a 300-word journal
analysed in < 150 ms warm. The ratio is printed twice: from wall time, and from the process's CPU time
(``cpu ratio``), which a shared machine's load disturbs far less.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from ml.analysis import get_analyzer
from ml.text import split_sentences

DATA = Path(__file__).resolve().parent.parent / "ml" / "eval_data"


def main() -> None:
    analyzer = get_analyzer()
    encoder = analyzer.encoder
    sentences = [
        json.loads(line)["text"]
        for name in ("risk.jsonl", "triggers.jsonl")
        for line in (DATA / name).read_text().splitlines()
        if line.strip()
    ]
    print(
        f"Text analysis benchmark: {len(sentences)} sentences; encoder {encoder.model_id} "
        f"({encoder.model_version}); versions {analyzer.versions['triggers']}, {analyzer.versions['risk']}"
    )
    print(f"{'batch':>6}{'bare sent/s':>14}{'full sent/s':>14}{'ratio':>8}{'cpu ratio':>11}")
    for batch in (1, 8, 32):
        chunks = ["\n".join(sentences[i : i + batch]) for i in range(0, len(sentences), batch)]
        encoder.encode(sentences[:batch])  # warm
        analyzer.analyse(chunks[0])
        bare_times, full_times, bare_cpu, full_cpu, analysed = [], [], [], [], 0
        for _ in range(5):  # interleaved, best of five: two shared cores make single runs noisy
            started, cpu = time.perf_counter(), time.process_time()
            for i in range(0, len(sentences), batch):
                encoder.encode(sentences[i : i + batch], batch_size=batch)
            bare_times.append(time.perf_counter() - started)
            bare_cpu.append(time.process_time() - cpu)
            started, cpu = time.perf_counter(), time.process_time()
            analysed = sum(analyzer.analyse(chunk).sentence_count for chunk in chunks)
            full_times.append(time.perf_counter() - started)
            full_cpu.append(time.process_time() - cpu)
        bare = len(sentences) / min(bare_times)
        full = analysed / min(full_times)
        cpu_ratio = (analysed / min(full_cpu)) / (len(sentences) / min(bare_cpu))
        print(f"{batch:>6}{bare:>14.1f}{full:>14.1f}{full / bare:>8.2f}{cpu_ratio:>11.2f}")
    journal = " ".join(sentences[:40])
    words = journal.split()[:300]
    text = " ".join(words)
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        analyzer.analyse(text)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    print(
        f"300-word journal ({len(split_sentences(text))} sentences): median {median:.1f} ms, "
        f"p95 {sorted(timings)[18]:.1f} ms (target < 150 ms) -> {'PASS' if median < 150 else 'MISS'}"
    )


if __name__ == "__main__":
    main()
