from __future__ import annotations

from django.urls import path

from dissent.ledger import views

app_name = "ledger"

# Message ids are checked by dissent.memos.access, as on the message pages.
urlpatterns = [
    path("key", views.log_key, name="log_key"),
    path("messages/<str:memo_id>/receipt", views.receipt, name="receipt"),
    path("messages/<str:memo_id>/text", views.submitted_text, name="submitted_text"),
    path("messages/<str:memo_id>/check", views.check_receipt, name="check_receipt"),
]
