import time
from unittest import mock
from django.test import Client
from django.db import connection
from dissent.accounts.models import User, ApiToken
from dissent.accounts.tokens import new_token, token_digest
from django.utils import timezone
from datetime import timedelta
from dissent.memos.actions import do_sign
from tests.memos.helpers import make_memo, invite, url
import pytest
pytestmark = pytest.mark.django_db(transaction=True)
def test_x(alice):
    users = User.objects.bulk_create(User(email=f"s{i}@example.org") for i in range(300))
    toks = [new_token() for _ in users]
    ApiToken.objects.bulk_create(ApiToken(user=u, name="b", prefix=t[:8], digest=token_digest(t), expires_at=timezone.now()+timedelta(days=1)) for u,t in zip(users,toks))
    memo = make_memo(alice); invite(memo, alice, *users)
    c = Client(); c.get("/healthz")
    for i in range(50): c.get("/healthz")
    t0=time.perf_counter()
    for i in range(100): c.get("/healthz")
    print("\nhealthz ms", (time.perf_counter()-t0)/100*1000)
    def run(tokens, label):
        t0=time.perf_counter()
        for t in tokens:
            r = c.post(url(memo,"/sign"), {"version":1}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {t}")
            assert r.status_code == 200
        print(label, "sign ms", (time.perf_counter()-t0)/len(tokens)*1000)
    run(toks[:20], "warm")
    run(toks[20:120], "api")
    t0=time.perf_counter()
    for u in users[120:220]:
        do_sign(memo, version=1, acting_user=u)
    print("action only ms", (time.perf_counter()-t0)/100*1000)
    with mock.patch("dissent.events.record.append_event"):
        t0=time.perf_counter()
        for u in users[220:300]:
            do_sign(memo, version=1, acting_user=u)
        print("action without ledger ms", (time.perf_counter()-t0)/80*1000)
