from __future__ import annotations

from django.urls import path

from dissent.review import views

app_name = "review"

# A case's id is its message's id. Ids are checked by access.py, not by a URL converter: a
# malformed id gets the same 404 page as an unknown one. Fixed words come before "<id>/".
urlpatterns = [
    path("", views.queue, name="queue"),
    path("reading/", views.reading_list, name="reading_list"),
    path("reading/<str:memo_id>/", views.reading, name="reading"),
    path("reading/<str:memo_id>/comment", views.comment, name="comment"),
    path("reprisal-reports/", views.reports, name="reports"),
    path("reprisal-reports/<str:report_id>/", views.report_detail, name="report"),
    path("<str:memo_id>/", views.case, name="case"),
    path("<str:memo_id>/acknowledge", views.acknowledge, name="acknowledge"),
    path("<str:memo_id>/assign", views.assign, name="assign"),
    path("<str:memo_id>/scope", views.scope, name="scope"),
    path("<str:memo_id>/distribute", views.distribute, name="distribute"),
    path("<str:memo_id>/recipients", views.add_recipient, name="add_recipient"),
    path("<str:memo_id>/start-review", views.start_review, name="start_review"),
    path("<str:memo_id>/reply-drafts", views.save_reply_draft, name="save_reply_draft"),
    path("<str:memo_id>/reply", views.send_reply, name="send_reply"),
    path("<str:memo_id>/meetings", views.request_meeting, name="request_meeting"),
    path(
        "<str:memo_id>/meetings/<str:meeting_id>/record",
        views.record_meeting,
        name="record_meeting",
    ),
    path("<str:memo_id>/close", views.close, name="close"),
    path("<str:memo_id>/notes", views.add_note, name="add_note"),
    path("<str:memo_id>/rejoinder", views.rejoinder, name="rejoinder"),
    path("<str:memo_id>/report", views.report, name="report_reprisal"),
]
