from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Print the current code of an account's authenticator app, for the demo (`make run`) and tests on a "
            "laptop. Refuses to run with DEBUG off.")

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("totp_code only runs with DEBUG on: real people read the code from their own app.")
        authenticator = Authenticator.objects.filter(user__email=email.lower(),
                                                     type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError(f"{email} has no authenticator app.")
        import time

        secret = decrypt(authenticator.data["secret"])
        self.stdout.write(format_hotp_value(hotp_value(secret, int(time.time()) // settings.MFA_TOTP_PERIOD)))
