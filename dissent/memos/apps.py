from django.apps import AppConfig


class MemosConfig(AppConfig):
    name = "dissent.memos"
    label = "memos"
