"""Writes for the accounts domain. Import from the submodules (``apps.accounts.services.enrolment``)."""
