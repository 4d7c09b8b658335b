from dissent.events.models import Event
from dissent.events.types import EventType


def test_persona_with_mfa_role_has_totp_and_events(rita):
    types = list(Event.objects.filter(subject_id=str(rita.id)).values_list("type", flat=True))
    assert types == [EventType.USER_CREATED, EventType.MFA_ADDED]


def test_me_api(alice, api_for):
    response = api_for(alice).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"
