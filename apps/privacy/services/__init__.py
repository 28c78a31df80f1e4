"""Writes for the patient's privacy rights. Import from the submodules (``apps.privacy.services.export``)."""
