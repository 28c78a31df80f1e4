from rest_framework.permissions import BasePermission


class IsPatient(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_patient)


class IsCareStaffOrAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_care_staff or user.is_practice_admin))


class IsPracticeAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_practice_admin)


class BelongsToPractice(BasePermission):
    """Platform superusers have no practice and use management commands, not the practice API."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.practice_id)
