"""Password rules beyond Django's validators (settings.AUTH_PASSWORD_VALIDATORS runs them all)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Passwords printed in the README, by `up` and `seed_demo`: anyone can read them, so a real
# deployment must never accept them (development keeps them so the demo personas sign in).
DEMO_PASSWORD = "interlude-demo"  # noqa: S105 - the demo personas' published password
PUBLISHED_DEMO_PASSWORDS = frozenset({DEMO_PASSWORD})


class PublishedDemoPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        if settings.PRODUCTION and password.strip().lower() in PUBLISHED_DEMO_PASSWORDS:
            raise ValidationError(
                _("This is the published demo password. Choose your own."), code="password_published_demo"
            )

    def get_help_text(self) -> str:
        return _("Your password can't be the published demo password.")
