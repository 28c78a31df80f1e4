"""Demo data a newcomer can sign in to. Idempotent: running it twice changes nothing but the
printed enrolment code (a new code replaces the previous one)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import CareTeamMember, CareTeamRole, ConsentKind, Membership, PatientProfile, Role, User
from apps.accounts.passwords import DEMO_PASSWORD
from apps.accounts.selectors import consent_is_granted
from apps.accounts.services.consent import consent_decide
from apps.accounts.services.enrolment import invitation_create
from apps.checkins.models import MoodCheckin
from apps.checkins.services.checkins import mood_checkin_submit
from apps.checkins.services.questionnaires import questionnaire_response_submit
from apps.checkins.services.schedules import schedules_apply_practice_defaults
from apps.core import context
from apps.journals.services import journal_entry_create_text
from apps.plans.models import SafetyPlan, TreatmentPlan
from apps.plans.services import safety_plan_save
from apps.plans.treatment import treatment_plan_save, treatment_plan_sign
from apps.practice.onboarding import practice_create

# DEMO_PASSWORD (apps/accounts/passwords.py): demo accounts only; the password validators refuse it in production.


# Fixed ids keep the command idempotent even though names are encrypted (not filterable).
DEMO_PATIENT_ID = uuid.UUID("00000000-0000-4000-8000-00000000a1e5")
NEWCOMER_ID = uuid.UUID("00000000-0000-4000-8000-0000000ca5e1")

DEMO_USERS = [
    # username, display name, roles, title
    ("admin@demo", "Priya Shah (practice admin)", [Role.PRACTICE_ADMIN], "Practice manager"),
    ("clinician@demo", "Dr. Maya Chen", [Role.CLINICIAN], "Clinical psychologist"),
    ("careteam@demo", "Dr. Sam Okafor", [Role.CARE_TEAM], "Psychiatrist"),
    ("patient@demo", "", [Role.PATIENT], ""),  # name lives in the encrypted profile: Alex Rivera
]


class Command(BaseCommand):
    help = "Load demo data (one practice, a patient, a clinician, a care-team member, a practice admin)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with INTERLUDE_ENV=production")
        with context.bind(context.RequestContext(request_id=context.new_request_id(), via="command")):
            pending_code = self._seed()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, name, roles, _ in DEMO_USERS:
            self.stdout.write(f"  {roles[0]:<15} {username:<16} {name or 'Alex Rivera (patient record)'}")
        self.stdout.write(f"Enrolment code for a second demo patient (POST /api/v1/enrolment/redeem/): {pending_code}")

    @transaction.atomic
    def _seed(self) -> str:
        practice = practice_create(
            name="Harbour Street Practice (demo)", slug="demo", timezone="America/New_York", crisis_region="US"
        )
        users: dict[str, User] = {}
        for username, name, roles, title in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"practice": practice, "display_name": name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            for role in roles:
                Membership.objects.get_or_create(user=user, role=role, defaults={"title": title})
            users[username] = user

        patient, _ = PatientProfile.objects.get_or_create(
            id=DEMO_PATIENT_ID,
            defaults={
                "user": users["patient@demo"],
                "practice": practice,
                "full_name": "Alex Rivera",
                "date_of_birth": dt.date(1991, 4, 12),
                "timezone": "America/New_York",
                "emergency_contact_name": "Jordan Rivera",
                "emergency_contact_phone": "+1 555 0100",
                "crisis_resource_region": "US",
            },
        )
        for username, role in (
            ("clinician@demo", CareTeamRole.PRIMARY_CLINICIAN),
            ("careteam@demo", CareTeamRole.PSYCHIATRIST),
        ):
            CareTeamMember.objects.get_or_create(
                patient=patient, user=users[username], defaults={"role": role, "added_by": users["admin@demo"]}
            )
        for kind in ConsentKind.values:
            if not consent_is_granted(patient_id=patient.pk, kind=kind):
                consent_decide(actor=users["patient@demo"], patient=patient, kind=kind, version=1, decision="accepted")

        schedules_apply_practice_defaults(patient=patient)
        self._seed_history(patient)
        self._seed_plans(patient, users["clinician@demo"])

        newcomer, _ = PatientProfile.objects.get_or_create(
            id=NEWCOMER_ID,
            defaults={
                "practice": practice,
                "created_by": users["clinician@demo"],
                "full_name": "Casey Morgan",
                "timezone": "America/New_York",
            },
        )
        CareTeamMember.objects.get_or_create(
            patient=newcomer, user=users["clinician@demo"], defaults={"role": CareTeamRole.PRIMARY_CLINICIAN}
        )
        if newcomer.user_id is not None:
            return "(already redeemed)"
        return invitation_create(actor=users["clinician@demo"], patient=newcomer).code

    def _seed_plans(self, patient: PatientProfile, clinician: User) -> None:
        """A safety plan and a signed treatment plan with measurable goals (once)."""
        if not SafetyPlan.objects.filter(patient=patient).exists():
            safety_plan_save(
                actor=clinician,
                patient=patient,
                content={
                    "warning_signs": ["Not sleeping", "Cancelling plans with friends"],
                    "internal_coping": ["Walk by the river", "Box breathing"],
                    "distraction_people_places": ["My sister's place", "The library"],
                    "people_to_ask_for_help": ["Jordan +1 555 0100"],
                    "professionals_and_crisis_lines": ["Harbour Street Practice", "988 Suicide & Crisis Lifeline"],
                    "making_environment_safer": ["Medication kept by Jordan"],
                    "reasons_for_living": ["My sister", "Getting back to climbing"],
                },
            )
        if not TreatmentPlan.objects.filter(patient=patient).exists():
            review = (timezone.localdate() + dt.timedelta(weeks=8)).isoformat()
            plan = treatment_plan_save(
                actor=clinician,
                patient=patient,
                content={
                    "problems": ["Low mood and poor sleep linked to work stress"],
                    "goals": [
                        {
                            "text": "PHQ-9 below 5",
                            "measure": {"type": "questionnaire", "instrument": "phq9", "target": 5, "by": review},
                        },
                        {
                            "text": "Average mood above 6 over two weeks",
                            "measure": {"type": "checkin_mean", "metric": "mood", "days": 14, "target": 6, "op": ">"},
                        },
                        {"text": "Finish most check-ins", "measure": {"type": "adherence", "target": 0.7, "op": ">"}},
                    ],
                    "objectives": [{"text": "Three walks a week"}],
                    "interventions": ["Behavioural activation", "Sleep scheduling"],
                    "coping_strategies": ["Walk by the river"],
                    "review_date": review,
                },
            )
            treatment_plan_sign(actor=clinician, plan=plan)

    def _seed_history(self, patient: PatientProfile) -> None:
        """Six weeks of check-ins and three PHQ-9/GAD-7 rounds, so trends have something to show.
        Ids derive from the day, so re-running adds nothing."""
        if MoodCheckin.objects.filter(patient=patient).exists():
            return
        now = timezone.now()
        for day in range(42, 0, -1):
            when = (now - dt.timedelta(days=day)).replace(hour=1, minute=30, second=0, microsecond=0)
            low_week = 14 <= day <= 21  # a rough patch three weeks ago
            mood_checkin_submit(
                actor=patient.user,
                patient=patient,
                id=uuid.uuid5(DEMO_PATIENT_ID, f"checkin-{day}"),
                occurred_at=when,
                timezone=patient.timezone,
                mood=3 if low_week else 5 + day % 3,
                anxiety=7 if low_week else 3 + day % 2,
                energy=4 if low_week else 6,
                sleep_hours=Decimal("6.5"),
                sleep_quality=4 if low_week else 7,
                tags=["exercise"] if day % 3 == 0 else ["social_time"],
            )
        # Two journal entries: the background job transcribes nothing here (they are typed) but analyses
        # both, and the second raises a risk alert a newcomer can see in the clinician's inbox.
        for days_ago, text in (
            (3, "Went for a long walk by the river with my sister. Work was stressful but the walk helped."),
            (
                1,
                "Work has been relentless and I barely slept. Some nights I think everyone would be better off "
                "without me.",
            ),
        ):
            journal_entry_create_text(
                actor=patient.user,
                patient=patient,
                id=uuid.uuid5(DEMO_PATIENT_ID, f"journal-{days_ago}"),
                occurred_at=now - dt.timedelta(days=days_ago),
                timezone=patient.timezone,
                text=text,
                shared=True,
            )
        for weeks_ago, phq, gad in ((6, 2, 2), (4, 2, 1), (2, 1, 1)):
            when = now - dt.timedelta(weeks=weeks_ago)
            for key, items, value in (("phq9", 9, phq), ("gad7", 7, gad)):
                answers = {f"{key}_{i + 1}": value for i in range(items)}
                if key == "phq9":
                    answers["phq9_9"] = 0
                questionnaire_response_submit(
                    actor=patient.user,
                    patient=patient,
                    id=uuid.uuid5(DEMO_PATIENT_ID, f"{key}-{weeks_ago}"),
                    instrument_key=key,
                    answers=answers,
                    occurred_at=when,
                    timezone=patient.timezone,
                )
