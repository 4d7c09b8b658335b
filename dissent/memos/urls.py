from __future__ import annotations

from django.urls import path

from dissent.memos import views

app_name = "memos"

# Ids are checked by access.py, not by a URL converter: a malformed id gets the same 404
# page as an unknown one.
urlpatterns = [
    path("", views.my_messages, name="list"),
    path("invitations/", views.my_invitations, name="invitations"),
    path("new", views.new_message, name="new"),
    path("<str:memo_id>/", views.message_detail, name="detail"),
    path("<str:memo_id>/edit", views.edit_message, name="edit"),
    path("<str:memo_id>/diff", views.diff, name="diff"),
    path("<str:memo_id>/invite", views.invite, name="invite"),
    path("<str:memo_id>/codrafters", views.add_codrafter, name="add_codrafter"),
    path("<str:memo_id>/submit", views.submit, name="submit"),
    path("<str:memo_id>/sign", views.sign, name="sign"),
    path("<str:memo_id>/decline", views.decline, name="decline"),
    path("<str:memo_id>/withdraw", views.withdraw, name="withdraw"),
]
