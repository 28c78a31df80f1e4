"""Audio and text analysis for Interlude. Plain Python: no Django imports.

Each module takes audio/text/arrays and returns frozen dataclasses that carry the model id/version
and the evidence behind every output. Models load once per process, only from local paths.
"""
