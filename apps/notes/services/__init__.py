"""Writes for sessions and notes. Import from the submodules: ``sessions`` (templates, sessions, their
inputs), ``drafts`` (the evidence-linked draft), ``versions`` (edit, sign, amend). The background job
that processes an input is ``apps.notes.processing``."""
