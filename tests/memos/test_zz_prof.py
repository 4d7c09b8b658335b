import cProfile, pstats, time
from django.test import Client
from dissent.accounts.models import User, ApiToken
from dissent.accounts.tokens import new_token, token_digest
from django.utils import timezone
from datetime import timedelta
from tests.memos.helpers import make_memo, invite, url
def test_x(alice):
    users = User.objects.bulk_create(User(email=f"s{i}@example.org") for i in range(60))
    toks = [new_token() for _ in users]
    ApiToken.objects.bulk_create(ApiToken(user=u, name="b", prefix=t[:8], digest=token_digest(t), expires_at=timezone.now()+timedelta(days=1)) for u,t in zip(users,toks))
    memo = make_memo(alice); invite(memo, alice, *users)
    c = Client()
    c.get("/healthz")
    for t in toks[:10]:
        c.post(url(memo,"/sign"), {"version":1}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {t}")
    t0=time.perf_counter()
    for i in range(100): c.get("/healthz")
    print("healthz ms", (time.perf_counter()-t0)/100*1000)
    pr = cProfile.Profile(); pr.enable()
    t0=time.perf_counter()
    for t in toks[10:60]:
        r = c.post(url(memo,"/sign"), {"version":1}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {t}")
        assert r.status_code == 200
    el = time.perf_counter()-t0
    pr.disable()
    print("sign ms", el/50*1000)
    pstats.Stats(pr).sort_stats("cumulative").print_stats(45)
