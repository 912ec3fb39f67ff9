"""python manage.py import_data {members,employers,unions} FILE [--commit] [--as USERNAME]

The same import as the admin and the /sheets/ pages (members.spreadsheets.importing):
a dry run that prints the preview unless --commit. Exit status 1 when the file has
errors (nothing is written then). Acts as a superuser unless --as names a user, whose
grant then limits what the file may touch."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from members.spreadsheets.columns import KINDS
from members.spreadsheets.importing import run_import


class _Superuser(AnonymousUser):
    """The command's default actor: unrestricted, like the city's system administrator,
    but not a stored user (history rows record no user)."""

    is_superuser = True
    is_staff = True
    is_active = True
    pk = None

    @property
    def is_authenticated(self):
        return True


class Command(BaseCommand):
    help = "Import a roster of members, employers or unions (dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument("--commit", action="store_true", help="write when there are no errors")
        parser.add_argument("--as", dest="username", help="act as this user (scoped by their grant)")

    def handle(self, kind, file, commit, username, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        if username:
            try:
                user = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user “%(username)s”.") % {"username": username}) from None
        else:
            user = _Superuser()
        result = run_import(kind, data, user, commit=commit)
        for error in result.errors:
            self.stdout.write(str(error))
        if result.file_error:
            self.stderr.write(result.file_error)
        else:
            self.stdout.write(result.summary())
        if result.committed:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))
        elif result.ok:
            self.stdout.write(_("Dry run: nothing written (use --commit)."))
        else:
            self.stdout.write(self.style.ERROR(_("Nothing written: the file has errors.")))
            sys.exit(1)
