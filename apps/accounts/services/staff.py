"""Practice administration: staff accounts and practice settings."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from apps.accounts.models import Membership, Practice, Role, User
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, Forbidden, ServiceError


def _require_admin(actor: User) -> None:
    if not actor.is_practice_admin:
        raise Forbidden("Only practice admins can do this.")


def staff_create(
    *, actor: User, username: str, password: str, display_name: str, email: str, roles: list[str], title: str = ""
) -> User:
    _require_admin(actor)
    username = username.strip().lower()
    if User.objects.filter(username=username).exists():
        raise ServiceError("This username is taken.", code="username_taken", field="username")
    user = User(username=username, practice_id=actor.practice_id, display_name=display_name, email=email)
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="weak_password", field="password") from exc
    user.set_password(password)
    with transaction.atomic():
        user.save()
        Membership.objects.bulk_create([Membership(user=user, role=role, title=title) for role in set(roles)])
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="user",
            object_id=user.pk,
            detail={"roles": sorted(set(roles))},
        )
    return user


def staff_update(
    *,
    actor: User,
    staff: User,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    display_name: str | None = None,
    title: str | None = None,
) -> User:
    _require_admin(actor)
    if staff.pk == actor.pk and (is_active is False or (roles is not None and Role.PRACTICE_ADMIN not in roles)):
        raise Conflict("You cannot remove your own admin access.", code="self_lockout")
    changed: list[str] = []
    with transaction.atomic():
        if display_name is not None:
            staff.display_name = display_name
            changed.append("display_name")
        if is_active is not None:
            staff.is_active = is_active
            changed.append("is_active")
        if changed:
            staff.save(update_fields=changed)
        if roles is not None:
            staff.memberships.exclude(role__in=roles).delete()
            existing = set(staff.memberships.values_list("role", flat=True))
            Membership.objects.bulk_create(
                [Membership(user=staff, role=role, title=title or "") for role in set(roles) - existing]
            )
            changed.append("roles")
        if title is not None:
            staff.memberships.update(title=title)
            changed.append("title")
        staff.__dict__.pop("roles", None)
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="user",
            object_id=staff.pk,
            detail={"fields": changed, "roles": sorted(roles) if roles is not None else None},
        )
    return staff


def practice_update(*, actor: User, practice: Practice, data: dict) -> Practice:
    _require_admin(actor)
    with transaction.atomic():
        for name, value in data.items():
            setattr(practice, name, value)
        practice.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="practice",
            object_id=practice.pk,
            detail={"fields": sorted(data)},
        )
    return practice


def practice_admin_bootstrap(*, practice: Practice, username: str, password: str, display_name: str) -> User:
    """First admin of a new practice (from the ``create_practice`` command, not the API)."""
    user = User(username=username.strip().lower(), practice=practice, display_name=display_name)
    validate_password(password, user=user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        Membership.objects.create(user=user, role=Role.PRACTICE_ADMIN)
        audit_log(
            actor=None,
            action=AuditAction.CREATE,
            object_type="user",
            object_id=user.pk,
            practice_id=practice.pk,
            detail={"roles": [Role.PRACTICE_ADMIN]},
        )
    return user
