from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dissent.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Glue only: allauth's sign-in, MFA and password signals become events.
        from dissent.accounts import signals  # noqa: F401
