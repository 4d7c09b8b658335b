"""The roles of the brief. One role per account: a person who also files dissent in a
personal capacity uses a separate staff account, so review duties and authorship never mix."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    STAFF = "staff", "Staff member"
    REVIEW_OFFICER = "review_officer", "Review officer"
    OFFICE_HEAD = "office_head", "Review office head"
    PRINCIPAL = "principal", "Principal"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"


class Employment(models.TextChoices):
    EMPLOYEE = "employee", "Employee"
    CONTRACTOR = "contractor", "Contractor"
    LOCAL_STAFF = "local_staff", "Locally employed staff"
    OTHER = "other", "Other"
