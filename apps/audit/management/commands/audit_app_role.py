from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.audit.pg_roles import app_role_grants, role_problems


class Command(BaseCommand):
    help = (
        "PostgreSQL: give the app's database role what it needs, except the power to edit or switch off "
        "the audit trail. Run as the tables' owner after every migrate; --check only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the app connects as (not the owner that runs migrate)")
        parser.add_argument("--check", action="store_true", help="only report whether the role is restricted")

    def handle(self, *args, role: str, check: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles apply to PostgreSQL only")
        if not check:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                owner = cursor.fetchone()[0]
                for statement in app_role_grants(role, owner=owner):
                    cursor.execute(statement)
        problems = role_problems(role)
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS(f"{role} cannot edit the audit trail or disable its triggers"))
