"""Audio and text analysis for Interlude. Plain Python: no Django imports.

Each module takes audio/text/arrays and returns frozen dataclasses that carry the model id/version
and the evidence behind every output. Models load once per process, only from local paths.
"""

import functools as _functools
import os as _os

# OpenMP threads (torch's intra-op pool) that finish a parallel region spin-wait for the next one by
# default, holding a core each while Python runs the detectors between torch calls. Measured with
# `python -m benchmarks.text_analysis` on the 2-core machine at load 5-7: the 300-word journal's
# median was 621 ms spinning and 154 ms passive; the full/bare CPU ratio at batch 1 went from 0.47
# to 0.83. Set before torch loads its OpenMP runtime (every torch user imports ``ml`` first); an
# operator's own OMP_WAIT_POLICY wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@_functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # the BLAS libraries loaded now (numpy's, once anything here ran)


def one_blas_thread():
    """A context in which numpy's BLAS runs one thread. The detectors' matrix products are small (a few
    sentences against a bank of about a thousand): worker threads cost more than they save there and
    spin for a core on a busy machine (measured with ``benchmarks.text_analysis``: the analysis after
    the encoder took 2.7x the encoder's CPU time with them, 0.2x with one; the learned risk stage 100-280
    ms per entry at load 20 against 4 ms). Results are the same."""
    return _blas_controller().limit(limits=1, user_api="blas")
