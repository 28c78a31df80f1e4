"""Transcribe an audio file from the command line, with the same code path as the worker.

python -m ml.transcribe FILE [--json] [--model PATH_OR_SIZE] [--device cpu|cuda] [--compute-type int8]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ml.transcription import TranscriberConfig, get_transcriber


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml.transcribe", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.add_argument("--model", default="")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--language", default=None)
    args = parser.parse_args(argv)
    config = TranscriberConfig(
        model=args.model,
        device=args.device,
        compute_type=args.compute_type,
        cpu_threads=args.threads,
        beam_size=args.beam_size,
        language=args.language,
    )
    transcript = get_transcriber(config).transcribe(args.file)
    if args.json:
        json.dump(dataclasses.asdict(transcript), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(transcript.text)
        for dropped in transcript.dropped:
            print(
                f"[dropped {dropped.reason} {dropped.start:.1f}-{dropped.end:.1f}s: {dropped.text!r}]", file=sys.stderr
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
