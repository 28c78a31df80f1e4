from apps.accounts.models import Device, device_token_digest
from apps.audit.models import AuditEvent


def test_registering_a_token_twice_is_idempotent(personas, as_user):
    client = as_user(personas.patient)
    first = client.post("/api/v1/devices/", {"token": "fcm-token-1", "platform": "ios"}, format="json")
    second = client.post(
        "/api/v1/devices/", {"token": "fcm-token-1", "platform": "ios", "app_version": "1.2"}, format="json"
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and Device.objects.count() == 1
    assert "token" not in first.json()


def test_a_token_another_account_holds_is_refused_until_that_account_signs_out(personas, as_user):
    patient, outsider = as_user(personas.patient), as_user(personas.outsider)
    mine = patient.post("/api/v1/devices/", {"token": "shared", "platform": "android"}, format="json").json()
    taken = outsider.post("/api/v1/devices/", {"token": "shared", "platform": "android"}, format="json")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "device_token_in_use"
    assert Device.objects.get(token_digest=device_token_digest("shared")).user == personas.patient
    assert patient.get("/api/v1/devices/").json()["results"][0]["id"] == mine["id"]
    assert patient.delete(f"/api/v1/devices/{mine['id']}/").status_code == 204  # signed out on that phone
    moved = outsider.post("/api/v1/devices/", {"token": "shared", "platform": "android"}, format="json")
    assert (
        moved.status_code == 201
        and Device.objects.get(token_digest=device_token_digest("shared")).user == personas.outsider
    )
    assert AuditEvent.objects.filter(action="assign", object_type="device", actor_id=personas.outsider.pk).exists()


def test_refreshing_to_a_token_another_account_holds_does_not_take_it(personas, as_user):
    as_user(personas.patient).post("/api/v1/devices/", {"token": "victim", "platform": "ios"}, format="json")
    client = as_user(personas.clinician)
    own = client.post("/api/v1/devices/", {"token": "mine", "platform": "ios"}, format="json").json()
    refused = client.patch(f"/api/v1/devices/{own['id']}/", {"token": "victim"}, format="json")
    assert refused.status_code == 409
    assert Device.objects.get(token_digest=device_token_digest("victim")).user == personas.patient


def test_refresh_and_unregister(personas, as_user):
    client = as_user(personas.patient)
    device = client.post("/api/v1/devices/", {"token": "t-old", "platform": "android"}, format="json").json()
    refreshed = client.patch(f"/api/v1/devices/{device['id']}/", {"token": "t-new"}, format="json")
    assert refreshed.status_code == 200 and Device.objects.get().token == "t-new"
    assert client.delete(f"/api/v1/devices/{device['id']}/").status_code == 204
    assert Device.objects.get().unregistered_at is not None


def test_a_bad_platform_is_a_field_error(personas, as_user):
    response = as_user(personas.patient).post("/api/v1/devices/", {"token": "x", "platform": "palm"}, format="json")
    assert response.status_code == 400 and "platform" in response.json()["error"]["fields"]


def test_other_users_devices_are_404(personas, as_user):
    device = (
        as_user(personas.patient).post("/api/v1/devices/", {"token": "mine", "platform": "ios"}, format="json").json()
    )
    assert as_user(personas.clinician).delete(f"/api/v1/devices/{device['id']}/").status_code == 404


def test_an_admin_creates_and_deactivates_staff(personas, as_user):
    client = as_user(personas.admin)
    created = client.post(
        "/api/v1/staff/",
        {
            "username": "Nurse1",
            "display_name": "Nina Nurse",
            "email": "n@example.org",
            "roles": ["care_team"],
            "title": "Case manager",
            "password": "a-long-enough-pass",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["roles"] == ["care_team"] and "password" not in created.json()
    staff_id = created.json()["id"]
    off = client.patch(f"/api/v1/staff/{staff_id}/", {"is_active": False}, format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    usernames = {s["username"] for s in client.get("/api/v1/staff/").json()["results"]}
    assert "pat" not in usernames and {"clin", "nurse1"} <= usernames
    assert AuditEvent.objects.filter(object_type="user", object_id=staff_id).count() == 2


def test_staff_creation_validates_roles_and_password(personas, as_user):
    response = as_user(personas.admin).post(
        "/api/v1/staff/",
        {
            "username": "x1",
            "display_name": "X",
            "email": "",
            "roles": ["patient"],
            "password": "short",
        },
        format="json",
    )
    assert response.status_code == 400 and "roles.0" in response.json()["error"]["fields"]


def test_admins_cannot_lock_themselves_out(personas, as_user):
    response = as_user(personas.admin).patch(f"/api/v1/staff/{personas.admin.id}/", {"is_active": False}, format="json")
    assert response.status_code == 409


def test_non_admins_cannot_manage_staff_or_settings(personas, as_user):
    client = as_user(personas.clinician)
    assert client.get("/api/v1/staff/").status_code == 403
    assert client.patch("/api/v1/practice/", {"name": "Mine now"}, format="json").status_code == 403


def test_practice_settings(personas, as_user):
    client = as_user(personas.admin)
    assert client.get("/api/v1/practice/").json()["slug"] == "riverside"
    bad = client.patch("/api/v1/practice/", {"timezone": "Nowhere/Else"}, format="json")
    assert bad.status_code == 400 and "timezone" in bad.json()["error"]["fields"]
    ok = client.patch("/api/v1/practice/", {"default_crisis_region": "IE"}, format="json")
    assert ok.status_code == 200 and ok.json()["default_crisis_region"] == "IE"


def test_a_deleted_device_answers_404_and_leaves_the_list(personas, as_user):
    client = as_user(personas.patient)
    created = client.post("/api/v1/devices/", {"token": "tok-deleted-1", "platform": "android"}, format="json")
    device = created.json()["id"]
    assert client.delete(f"/api/v1/devices/{device}/").status_code == 204
    assert client.get(f"/api/v1/devices/{device}/").status_code == 404
    assert client.patch(f"/api/v1/devices/{device}/", {"token": "tok-deleted-2"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/devices/{device}/").status_code == 404
    assert device not in {d["id"] for d in client.get("/api/v1/devices/").json()["results"]}
    again = client.post("/api/v1/devices/", {"token": "tok-deleted-1", "platform": "android"}, format="json")
    assert again.status_code == 201 and client.get(f"/api/v1/devices/{again.json()['id']}/").status_code == 200
