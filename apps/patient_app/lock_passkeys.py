"""Opening the app lock with the phone's own biometric (WebAuthn, platform authenticator, user
verification required) instead of the PIN. The PIN stays: a passkey can be added only while a PIN
lock is on, and removing the lock removes the passkeys.

Invariants (tests in tests/apps/patient_app/test_lock_passkeys.py and the browser test):
- Each ceremony's challenge lives in the session, is used once and is bound to this origin and RP id.
- An assertion opens the lock only for the account that registered the credential, and only with a
  sign count that moved forward (or stays 0, for authenticators that do not count).
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorAttachment,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Forbidden, Invalid
from apps.patient_app.lock import session_unlocked_now
from apps.patient_app.models import AppLock, LockPasskey

CHALLENGE_KEY = "patient_app_webauthn_challenge"


def _rp(request) -> tuple[str, str]:
    """(RP id, origin): this host, as the browser sees it."""
    return request.get_host().rsplit(":", 1)[0].strip("[]"), f"{request.scheme}://{request.get_host()}"


def _take_challenge(request, purpose: str) -> bytes:
    stored = request.session.pop(CHALLENGE_KEY, None)
    if not stored or stored.get("purpose") != purpose:
        raise Invalid({"credential": ["Start again."]})
    return base64url_to_bytes(stored["challenge"])


def _keep_challenge(request, purpose: str, challenge: bytes) -> None:
    request.session[CHALLENGE_KEY] = {"purpose": purpose, "challenge": bytes_to_base64url(challenge)}


def _descriptors(user) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid))
        for cid in LockPasskey.objects.filter(user=user).values_list("credential_id", flat=True)
    ]


def passkey_registration_options(*, request) -> str:
    user = request.user
    if not AppLock.objects.filter(user=user).exists():
        raise Forbidden("Turn on the PIN lock first.")
    rp_id, _ = _rp(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name="Interlude",
        user_id=user.pk.bytes,
        user_name=user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            authenticator_attachment=AuthenticatorAttachment.PLATFORM,
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _keep_challenge(request, "register", options.challenge)
    return options_to_json(options)


def passkey_register(*, request, credential: dict) -> LockPasskey:
    user = request.user
    rp_id, origin = _rp(request)
    challenge = _take_challenge(request, "register")
    if not AppLock.objects.filter(user=user).exists():
        raise Forbidden("Turn on the PIN lock first.")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise Invalid({"credential": ["This phone's sign-in could not be checked."]}) from exc
    with transaction.atomic():
        passkey = LockPasskey.objects.create(
            user=user,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
        )
        audit_log(actor=user, action=AuditAction.CREATE, object_type="lock_passkey", object_id=passkey.pk)
    return passkey


def passkey_unlock_options(*, request) -> str:
    rp_id, _ = _rp(request)
    allowed = _descriptors(request.user)
    if not allowed:
        raise Forbidden("No fingerprint or face sign-in is set up on this account.")
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=allowed, user_verification=UserVerificationRequirement.REQUIRED
    )
    _keep_challenge(request, "unlock", options.challenge)
    return options_to_json(options)


def passkey_unlock(*, request, credential: dict) -> None:
    """Open the lock for the signed-in patient with a verified assertion of one of their passkeys."""
    user = request.user
    rp_id, origin = _rp(request)
    challenge = _take_challenge(request, "unlock")
    credential_id = str(credential.get("id", "")) if isinstance(credential, dict) else ""
    with transaction.atomic():
        passkey = LockPasskey.objects.select_for_update().filter(user=user, credential_id=credential_id).first()
        if passkey is None:
            raise Invalid({"credential": ["This phone's sign-in is not set up for this account."]})
        try:
            verified = verify_authentication_response(
                credential=json.dumps(credential),
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
            raise Invalid({"credential": ["This phone's sign-in could not be checked."]}) from exc
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = timezone.now()
        passkey.save(update_fields=["sign_count", "last_used_at"])
        session_unlocked_now(request)
        audit_log(
            actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk, detail={"method": "passkey"}
        )
