"""Demo personas (STYLE.md): fictional people at example.org, one per role."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import decrypt

from dissent.accounts.actions import do_create_user, do_enable_totp
from dissent.accounts.mfa import role_requires_mfa
from dissent.accounts.models import User
from dissent.accounts.roles import Role

PERSONAS: list[tuple[str, str, Role]] = [
    ("alice", "Alice Drafter", Role.STAFF),
    ("bob", "Bob Cosigner", Role.STAFF),
    ("carol", "Carol Cosigner", Role.STAFF),
    ("oscar", "Oscar Outsider", Role.STAFF),
    ("rita", "Rita Reviewer", Role.REVIEW_OFFICER),
    ("dana", "Dana Head", Role.OFFICE_HEAD),
    ("sam", "Sam Principal", Role.PRINCIPAL),
    ("ada", "Ada Admin", Role.ADMIN),
    ("ian", "Ian Auditor", Role.AUDITOR),
]


@dataclass
class Persona:
    email: str
    role: str
    totp_secret: str | None


def seed_personas(password: str) -> list[Persona]:
    """Create the personas if missing and set every one's password to `password`.
    Idempotent: a second run keeps accounts and TOTP secrets, and resets passwords."""
    result = []
    for short, name, role in PERSONAS:
        email = f"{short}@example.org"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = do_create_user(email, acting_user=None, role=role, display_name=name, via="demo")
        user.set_password(password)
        user.save(update_fields=["password"])
        secret = None
        if role_requires_mfa(user):
            totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
            if totp is None:
                secret = generate_totp_secret()
                do_enable_totp(user, secret, acting_user=None)
            else:
                secret = decrypt(totp.data["secret"])
        result.append(Persona(email=email, role=role.value, totp_secret=secret))
    return result
