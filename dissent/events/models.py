from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dissent.events.types import EventType


class Event(models.Model):
    """One thing that happened. Written only by record_event, inside the transaction of the
    action it describes, so an action and its event commit or vanish together."""

    type = models.PositiveIntegerField(choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    subject_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Salted commitment to the content the event is about (hex), never the content itself.
    commitment = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_id", "id"], name="event_subject_idx"),
            models.Index(fields=["actor", "id"], name="event_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} at {self.at:%Y-%m-%d %H:%M}"
