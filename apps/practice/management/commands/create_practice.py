import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import Practice, User
from apps.accounts.services.staff import practice_admin_bootstrap
from apps.core import context
from apps.practice.onboarding import practice_create


class Command(BaseCommand):
    help = "Create a practice (tenant) and its first practice admin. Prompts for the admin's password."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--crisis-region", default="US")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-name", default="")

    def handle(self, *args, **o):
        if Practice.objects.filter(slug=o["slug"]).exists():
            raise CommandError(f"practice {o['slug']!r} already exists")
        if User.objects.filter(username=o["admin_username"].lower()).exists():
            raise CommandError(f"username {o['admin_username']!r} is taken")
        password = getpass.getpass("Admin password: ")
        if password != getpass.getpass("Again: "):
            raise CommandError("passwords differ")
        with (
            context.bind(context.RequestContext(request_id=context.new_request_id(), via="command")),
            transaction.atomic(),  # a refused password leaves no practice without an admin
        ):
            practice = practice_create(
                name=o["name"], slug=o["slug"], timezone=o["timezone"], crisis_region=o["crisis_region"]
            )
            try:
                practice_admin_bootstrap(
                    practice=practice, username=o["admin_username"], password=password, display_name=o["admin_name"]
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"practice {practice.slug} created with admin {o['admin_username']}"))
