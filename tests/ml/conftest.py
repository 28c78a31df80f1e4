"""Fixtures shared by the ML tests."""

import pytest

from ml.risk import RiskDetector


@pytest.fixture(scope="session")
def assess():
    """The shipped risk detector's ``assess`` (rules and the learned stage); a module may define its own."""
    return RiskDetector().assess
