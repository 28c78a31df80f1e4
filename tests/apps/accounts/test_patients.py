from apps.accounts.models import CareTeamMember, CareTeamRole, PatientProfile
from apps.audit.models import AuditAction, AuditEvent


def test_a_clinician_registers_a_patient_and_becomes_primary(personas, as_user):
    response = as_user(personas.clinician).post(
        "/api/v1/patients/",
        {"full_name": "Jamie Doe", "timezone": "America/Chicago", "date_of_birth": "1990-02-03"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "Jamie Doe" and body["enrolled"] is False
    assert body["crisis_resource_region"] == "GB"  # the practice default
    assert [(m["user"]["username"], m["role"]) for m in body["care_team"]] == [("clin", "primary_clinician")]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, patient_id=body["id"]).exists()


def test_registration_rejects_bad_input_per_field(personas, as_user):
    response = as_user(personas.clinician).post(
        "/api/v1/patients/",
        {"full_name": "", "timezone": "Mars/Olympus", "date_of_birth": "2999-01-01"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"full_name", "timezone", "date_of_birth"}
    assert PatientProfile.objects.count() == 2  # nothing half-written


def test_an_admin_must_name_a_primary_clinician(personas, as_user):
    client = as_user(personas.admin)
    missing = client.post("/api/v1/patients/", {"full_name": "Jamie Doe"}, format="json")
    assert missing.status_code == 400 and "primary_clinician" in missing.json()["error"]["fields"]
    wrong = client.post(
        "/api/v1/patients/", {"full_name": "Jamie Doe", "primary_clinician": str(personas.outsider.id)}, format="json"
    )
    assert wrong.status_code == 400 and "primary_clinician" in wrong.json()["error"]["fields"]
    ok = client.post(
        "/api/v1/patients/", {"full_name": "Jamie Doe", "primary_clinician": str(personas.clinician.id)}, format="json"
    )
    assert ok.status_code == 201


def test_patients_cannot_register_patients(personas, as_user):
    assert as_user(personas.patient).post("/api/v1/patients/", {"full_name": "X"}, format="json").status_code == 403


def test_a_patient_updates_their_contact_details_but_not_their_name(personas, as_user):
    client = as_user(personas.patient)
    url = "/api/v1/me/profile/"
    assert client.get(url).json()["id"] == str(personas.patient_profile.id)
    ok = client.patch(url, {"timezone": "Asia/Tokyo", "emergency_contact_phone": "+81 3 0000 0000"}, format="json")
    assert ok.status_code == 200 and ok.json()["timezone"] == "Asia/Tokyo"
    refused = client.patch(url, {"full_name": "Someone Else"}, format="json")
    assert refused.status_code == 400 and "full_name" in refused.json()["error"]["fields"]
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, patient_id=personas.patient_profile.id).last()
    assert event.detail == {"fields": ["emergency_contact_phone", "timezone"]}


def test_the_patient_list_sees_only_assigned_patients(personas, as_user):
    ids = {p["id"] for p in as_user(personas.clinician).get("/api/v1/patients/").json()["results"]}
    assert ids == {str(personas.patient_profile.id)}
    assert as_user(personas.unassigned_clinician).get("/api/v1/patients/").json()["results"] == []
    admin_ids = {p["id"] for p in as_user(personas.admin).get("/api/v1/patients/").json()["results"]}
    assert admin_ids == {str(personas.patient_profile.id)}


def test_the_patient_list_uses_a_fixed_number_of_queries(personas, as_user, django_assert_max_num_queries):
    from tests.conftest import make_patient

    client = as_user(personas.admin)
    client.get("/api/v1/patients/")  # warm up
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/patients/")
    for i in range(15):
        make_patient(personas.practice, None, personas.clinician, name=f"Patient {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/patients/").json()["results"]) == 16


def test_the_primary_clinician_adds_and_removes_care_team_members(personas, as_user):
    client = as_user(personas.clinician)
    url = f"/api/v1/patients/{personas.patient_profile.id}/care-team/"
    added = client.post(url, {"user": str(personas.unassigned_clinician.id), "role": "clinician"}, format="json")
    assert added.status_code == 201
    assert len(client.get(url).json()["results"]) == 3
    assert client.delete(f"{url}{added.json()['id']}/").status_code == 204
    actions = set(AuditEvent.objects.filter(object_type="care_team_member").values_list("action", flat=True))
    assert {"assign", "unassign"} <= actions


def test_making_someone_primary_demotes_the_previous_primary(personas, as_user):
    url = f"/api/v1/patients/{personas.patient_profile.id}/care-team/"
    response = as_user(personas.admin).post(
        url, {"user": str(personas.unassigned_clinician.id), "role": "primary_clinician"}, format="json"
    )
    assert response.status_code == 201
    roles = dict(CareTeamMember.objects.filter(patient=personas.patient_profile).values_list("user__username", "role"))
    assert roles == {
        "unassigned": CareTeamRole.PRIMARY_CLINICIAN,
        "clin": CareTeamRole.CLINICIAN,
        "psych": CareTeamRole.PSYCHIATRIST,
    }


def test_the_primary_clinician_cannot_be_removed(personas, as_user):
    primary = CareTeamMember.objects.get(patient=personas.patient_profile, role=CareTeamRole.PRIMARY_CLINICIAN)
    response = as_user(personas.admin).delete(f"/api/v1/patients/{personas.patient_profile.id}/care-team/{primary.id}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "primary_required"


def test_care_team_members_who_are_not_primary_cannot_change_the_team(personas, as_user):
    response = as_user(personas.care_team).post(
        f"/api/v1/patients/{personas.patient_profile.id}/care-team/",
        {"user": str(personas.unassigned_clinician.id), "role": "clinician"},
        format="json",
    )
    assert response.status_code == 403


def test_staff_from_another_practice_cannot_be_assigned(personas, as_user):
    response = as_user(personas.clinician).post(
        f"/api/v1/patients/{personas.patient_profile.id}/care-team/",
        {"user": str(personas.outsider.id), "role": "clinician"},
        format="json",
    )
    assert response.status_code == 400 and "user" in response.json()["error"]["fields"]
