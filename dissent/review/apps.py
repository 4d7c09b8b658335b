from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "dissent.review"
    label = "review"
    verbose_name = "Review office"
