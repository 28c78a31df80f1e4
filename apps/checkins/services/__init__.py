"""Writes for check-ins, questionnaires and schedules (see the submodules)."""
