"""The admin manages accounts and roles. It registers no message model, ever: an
administrator may not open message text or learn who wrote what."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dissent.accounts.actions import (
    do_change_employment,
    do_change_role,
    do_create_user,
    do_deactivate_user,
)
from dissent.accounts.models import ApiToken, User
from dissent.accounts.roles import Role
from dissent.lib.errors import DissentError


class AdministratorsOnly:
    """Django's per-model permissions are not used: the administrator role is the gate."""

    def _is_admin(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and getattr(user, "role", None) == Role.ADMIN)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)


def _as_loaded(obj: User, form: Any) -> User:
    loaded = copy.copy(obj)
    loaded.role, loaded.employment = form.initial["role"], form.initial["employment"]
    return loaded


@admin.register(User)
class UserAdmin(AdministratorsOnly, admin.ModelAdmin[User]):
    list_display = ("email", "display_name", "role", "employment", "is_active", "last_login")
    list_filter = ("role", "employment", "is_active")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    fields = ("email", "display_name", "role", "employment", "is_active", "last_login")
    readonly_fields = ("last_login",)
    actions = ["deactivate"]

    @admin.action(description="Deactivate selected accounts (and revoke their tokens)")
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        acting: User = request.user  # type: ignore[assignment]
        for user in queryset:
            try:
                do_deactivate_user(user, acting_user=acting, via="admin")
            except DissentError as exc:
                self.message_user(request, f"{user.email}: {exc.message}")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        # A new account is always active (do_create_user has no switch for it): a box to
        # untick would be ignored. Later, the "deactivate" action is the way.
        return ("email", "last_login", "is_active") if obj else ("last_login", "is_active")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Through the actions, so each change records its event.
        acting: User = request.user  # type: ignore[assignment]
        if not change:
            created = do_create_user(
                obj.email,
                acting_user=acting,
                role=obj.role,
                employment=obj.employment,
                display_name=obj.display_name,
                via="admin",
            )
            obj.pk = created.pk
            return
        # The form has already written the new values onto `obj`, so `obj` cannot tell the
        # actions the old value (they would see no change and record nothing). They get the
        # account as this request loaded it: a change made by someone else in between makes
        # their conditional update miss instead of being overwritten.
        if "role" in form.changed_data:
            do_change_role(_as_loaded(obj, form), obj.role, acting_user=acting, via="admin")
        if "employment" in form.changed_data:
            do_change_employment(
                _as_loaded(obj, form), obj.employment, acting_user=acting, via="admin"
            )
        if "display_name" in form.changed_data:
            User.objects.filter(id=obj.id).update(display_name=obj.display_name)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # accounts are deactivated, never deleted: the event log refers to them


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorsOnly, admin.ModelAdmin[ApiToken]):
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
