from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "dissent.events"
    label = "events"
