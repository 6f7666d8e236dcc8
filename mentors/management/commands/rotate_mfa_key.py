from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from mentors.adapters import SECRET_TYPES, mfa_secrets_rotate, mfa_secrets_undecryptable


class Command(BaseCommand):
    help = ("Encrypt every MFA secret (authenticator apps, recovery codes) again with the first key of "
            "MFA_ENCRYPTION_KEYS, after a new key was put first; the old key may then be dropped. With --check, only "
            "checks that the keys open every secret. Changes nothing if one cannot be decrypted.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="only check that every secret decrypts with MFA_ENCRYPTION_KEYS; change nothing")

    def handle(self, *args, check, **options):
        failing = mfa_secrets_undecryptable(Authenticator)
        if failing:
            listed = ", ".join(f"{authenticator.user.email} ({authenticator.type}, id {authenticator.pk})"
                               for authenticator in failing[:20])
            raise CommandError(
                f"{len(failing)} authenticator(s) cannot be decrypted with any key in MFA_ENCRYPTION_KEYS: {listed}. "
                "Put back the key they were encrypted with (after the new one); nothing was changed.")
        total = Authenticator.objects.filter(type__in=SECRET_TYPES).count()
        if check:
            self.stdout.write(f"Every MFA secret ({total} authenticators) decrypts with MFA_ENCRYPTION_KEYS.")
            return
        changed = mfa_secrets_rotate(Authenticator)
        self.stdout.write(f"Encrypted the secrets of {changed} authenticators with the first key of "
                          "MFA_ENCRYPTION_KEYS. Every node must have that key before the old one is dropped.")
