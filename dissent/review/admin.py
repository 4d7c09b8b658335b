"""What administrators manage for the review office: the fixed distribution list and the
office closures that the federal calendar lacks. Never a case, a reply or any text written
about a message: those models are not registered here, on purpose."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dissent.accounts.admin import AdministratorsOnly
from dissent.accounts.models import User
from dissent.review.actions import (
    do_add_closure,
    do_add_distribution_entry,
    do_change_distribution_entry,
    do_remove_closure,
    do_remove_distribution_entry,
    do_rename_closure,
)
from dissent.review.models import Closure, DistributionListEntry


class _ThroughActions(AdministratorsOnly):
    """Saves and deletions go through the actions, so each records its event."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def _acting(self, request: HttpRequest) -> User:
        return request.user  # type: ignore[return-value]


@admin.register(DistributionListEntry)
class DistributionListEntryAdmin(_ThroughActions, admin.ModelAdmin[DistributionListEntry]):
    list_display = ("label", "principal", "position")
    ordering = ("position", "label")
    fields = ("principal", "label", "position")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("principal",) if obj else ()

    def save_model(
        self, request: HttpRequest, obj: DistributionListEntry, form: Any, change: bool
    ) -> None:
        acting = self._acting(request)
        if change:
            do_change_distribution_entry(obj, obj.label, position=obj.position, acting_user=acting)
            return
        created = do_add_distribution_entry(
            obj.principal, obj.label, position=obj.position, acting_user=acting
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: DistributionListEntry) -> None:
        do_remove_distribution_entry(obj, acting_user=self._acting(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for entry in queryset:
            do_remove_distribution_entry(entry, acting_user=self._acting(request))


@admin.register(Closure)
class ClosureAdmin(_ThroughActions, admin.ModelAdmin[Closure]):
    list_display = ("date", "reason", "created_by")
    ordering = ("-date",)
    fields = ("date", "reason")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A closure's date never changes: remove it and add another, so both moves of the
        # deadlines are recorded.
        return ("date",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Closure, form: Any, change: bool) -> None:
        acting = self._acting(request)
        if change:
            do_rename_closure(obj, obj.reason, acting_user=acting)
            return
        created = do_add_closure(obj.date, obj.reason, acting_user=acting)
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Closure) -> None:
        do_remove_closure(obj, acting_user=self._acting(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for closure in queryset:
            do_remove_closure(closure, acting_user=self._acting(request))
