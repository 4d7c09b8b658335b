from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from dissent.accounts import views as account_views
from dissent.api.main import api
from dissent.web import views as web_views

# The admin signs in through allauth, with the same MFA and throttling as everyone.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Dissent Channel administration"
admin.site.site_title = "Dissent Channel administration"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("accounts/security/", account_views.security, name="account_security"),
    path("accounts/tokens/", account_views.token_create, name="token_create"),
    path("accounts/tokens/<str:token_id>/revoke", account_views.token_revoke, name="token_revoke"),
    path("accounts/", include("allauth.urls")),
    path("messages/", include("dissent.memos.urls")),
    path("review/", include("dissent.review.urls")),
    path("ledger/", include("dissent.ledger.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler404 = "dissent.web.views.not_found"
handler403 = "dissent.web.views.forbidden"
