"""The second factor's secrets (authenticator apps, recovery codes) are encrypted at rest with MFA_ENCRYPTION_KEYS:
the database and its backups hold ciphertext only, sign-in still works, the key can be rotated, and a wrong or
missing key is a clear error rather than a silent fallback to plain text."""

import importlib
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import decrypt
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from mentors.adapters import secret_decrypt, secret_encrypt
from mentors.models import Membership

from .factories import TOTP_SECRET, MembershipFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db
PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"  # the factories' password
OLD_KEY, NEW_KEY, OTHER_KEY = (Fernet.generate_key().decode() for _ in range(3))
MIGRATION = importlib.import_module("mentors.migrations.0006_encrypt_mfa_secrets")


def stored(user) -> str:
    """What the database holds for `user`'s authenticators, as a backup would dump it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, data FROM mfa_authenticator WHERE user_id = %s ORDER BY type", [user.pk])
        return repr(cursor.fetchall())


def data(user, kind: str) -> dict:
    return Authenticator.objects.get(user=user, type=kind).data


def signs_in_with(user, code: str) -> bool:
    client = Client()
    step = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert step.status_code == 302 and step["Location"] == reverse("mfa_authenticate")
    done = client.post(reverse("mfa_authenticate"), {"code": code})
    return done.status_code == 302 and client.get("/").status_code == 200


def recovery_codes(user) -> list[str]:
    return RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).get_unused_codes()


@pytest.fixture
def keys(settings):
    """Set MFA_ENCRYPTION_KEYS for what follows (the first encrypts, every one decrypts)."""

    def use(*values):
        settings.MFA_ENCRYPTION_KEYS = list(values)

    use(OLD_KEY)
    return use


@pytest.fixture
def admin(sukabumi, keys):
    """An admin with an authenticator app (the factories') and recovery codes, enrolled under OLD_KEY."""
    user = MembershipFactory(user=UserFactory(email="admin.kunci@example.test"), regency=sukabumi,
                             role=Membership.Role.ADMIN).user
    RecoveryCodes.activate(user)
    return user


# --- at rest ---------------------------------------------------------------------------------------------------


def test_the_database_holds_neither_the_authenticator_secret_nor_the_recovery_seed(admin):
    seed = decrypt(data(admin, "recovery_codes")["seed"])
    dumped = stored(admin)
    assert TOTP_SECRET not in dumped and seed not in dumped
    assert data(admin, "totp")["secret"].startswith("fernet:")
    assert data(admin, "recovery_codes")["seed"].startswith("fernet:")
    assert Fernet(OLD_KEY).decrypt(data(admin, "totp")["secret"].removeprefix("fernet:")).decode() == TOTP_SECRET


def test_enrolling_through_the_portal_stores_the_secret_and_the_seed_encrypted(sukabumi, keys):
    admin = MembershipFactory(user=UserFactory(email="admin.baru@example.test"), regency=sukabumi,
                              role=Membership.Role.ADMIN, mfa=False).user
    client = Client()
    client.post(reverse("account_login"), {"login": admin.email, "password": PASSWORD})
    page = client.get("/", follow=True)
    page = client.post(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], {"password": PASSWORD},
                       follow=True)
    secret = page.context["form"].secret
    assert client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}).status_code == 302
    assert {a.type for a in admin.authenticator_set.all()} == {"totp", "recovery_codes"}
    assert secret not in stored(admin) and "fernet:" in stored(admin)
    assert secret_decrypt(data(admin, "totp")["secret"]) == secret


# --- signing in ------------------------------------------------------------------------------------------------


def test_an_admin_signs_in_with_the_code_of_the_encrypted_authenticator(admin):
    assert not signs_in_with(admin, "000000")
    assert signs_in_with(admin, totp_code())


def test_an_admin_signs_in_with_a_recovery_code_from_the_encrypted_seed(admin):
    code = recovery_codes(admin)[0]
    assert signs_in_with(admin, code)
    assert code not in recovery_codes(admin)  # used once


# --- rotation --------------------------------------------------------------------------------------------------


def test_after_rotation_the_codes_verify_with_the_new_key_alone(admin, keys):
    before_secret, before_seed = data(admin, "totp")["secret"], data(admin, "recovery_codes")["seed"]
    codes = recovery_codes(admin)
    keys(NEW_KEY, OLD_KEY)
    output = io.StringIO()
    call_command("rotate_mfa_key", stdout=output)
    assert "Encrypted the secrets of 2 authenticators" in output.getvalue()
    after_secret, after_seed = data(admin, "totp")["secret"], data(admin, "recovery_codes")["seed"]
    assert after_secret != before_secret and after_seed != before_seed
    assert Fernet(NEW_KEY).decrypt(after_secret.removeprefix("fernet:")).decode() == TOTP_SECRET
    keys(NEW_KEY)  # the old key is dropped
    call_command("rotate_mfa_key", "--check", stdout=io.StringIO())
    assert recovery_codes(admin) == codes
    assert signs_in_with(admin, totp_code())


def test_encrypting_with_a_new_first_key_still_reads_what_the_old_key_wrote(admin, keys):
    keys(NEW_KEY, OLD_KEY)
    assert signs_in_with(admin, totp_code())
    assert secret_decrypt(secret_encrypt("abc")) == "abc"
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(secret_encrypt("abc").removeprefix("fernet:"))


# --- a wrong or missing key ------------------------------------------------------------------------------------


def test_signing_in_with_a_wrong_key_is_a_clear_error_not_a_plain_text_secret(admin, keys):
    keys(OTHER_KEY)
    client = Client()
    client.post(reverse("account_login"), {"login": admin.email, "password": PASSWORD})
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with any key in MFA_ENCRYPTION_KEYS"):
        client.post(reverse("mfa_authenticate"), {"code": totp_code()})


def test_rotating_with_a_missing_old_key_changes_nothing_and_names_the_accounts(admin, keys):
    before = stored(admin)
    keys(NEW_KEY)  # OLD_KEY dropped too early
    for arguments in ((), ("--check",)):
        with pytest.raises(CommandError, match=r"2 authenticator\(s\) cannot be decrypted.*admin\.kunci"):
            call_command("rotate_mfa_key", *arguments, stdout=io.StringIO())
    assert stored(admin) == before


def test_without_a_key_nothing_is_encrypted_or_stored(db, keys):
    keys()
    with pytest.raises(ImproperlyConfigured, match="MFA_ENCRYPTION_KEYS is empty"):
        secret_encrypt(TOTP_SECRET)
    with pytest.raises(ImproperlyConfigured):
        UserFactory(email="super.tanpa.kunci@example.test", is_staff=True, is_superuser=True)
    assert not Authenticator.objects.exists()


def _start(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG",
                                                              "MFA_ENCRYPTION_KEYS"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "portal.example", **env,
             "DJANGO_SETTINGS_MODULE": "koperasi_portal.settings"},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )


def test_production_settings_refuse_to_start_without_a_valid_mfa_key():
    missing = _start({})
    assert missing.returncode != 0 and "With DEBUG off, set MFA_ENCRYPTION_KEYS" in missing.stderr
    malformed = _start({"MFA_ENCRYPTION_KEYS": f"{NEW_KEY},not-a-key"})
    assert malformed.returncode != 0 and "Each key in MFA_ENCRYPTION_KEYS must be 32 random bytes" in malformed.stderr
    assert _start({"MFA_ENCRYPTION_KEYS": f"{NEW_KEY},{OLD_KEY}"}).returncode == 0


# --- secrets stored before encryption --------------------------------------------------------------------------


@pytest.fixture
def plain_admin(sukabumi, keys):
    """An admin whose secrets were stored before this release: in plain text."""
    user = MembershipFactory(user=UserFactory(email="admin.lama@example.test"), regency=sukabumi,
                             role=Membership.Role.ADMIN, mfa=False).user
    Authenticator.objects.create(user=user, type="totp", data={"secret": TOTP_SECRET})
    Authenticator.objects.create(user=user, type="recovery_codes",
                                 data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["11112222"]})
    return user


def test_the_migration_encrypts_plain_text_secrets_once_and_back(plain_admin):
    codes = recovery_codes(plain_admin)
    MIGRATION.encrypt(apps, None)
    encrypted = stored(plain_admin)
    assert TOTP_SECRET not in encrypted and "ab" * 40 not in encrypted and "11112222" not in encrypted
    assert data(plain_admin, "recovery_codes")["used_mask"] == 0
    assert recovery_codes(plain_admin) == codes == ["11112222"]
    MIGRATION.encrypt(apps, None)
    assert stored(plain_admin) == encrypted  # run again: nothing changes
    assert signs_in_with(plain_admin, totp_code())
    MIGRATION.decrypt(apps, None)
    assert data(plain_admin, "totp") == {"secret": TOTP_SECRET}


def test_until_migrated_a_plain_text_secret_still_signs_in_and_is_logged(plain_admin, caplog):
    with caplog.at_level(logging.WARNING, logger="koperasi.mfa"):
        assert signs_in_with(plain_admin, totp_code())
    assert "stored in plain text" in caplog.text


def test_rotating_also_encrypts_a_plain_text_secret(plain_admin):
    call_command("rotate_mfa_key", stdout=io.StringIO())
    assert TOTP_SECRET not in stored(plain_admin)
    assert signs_in_with(plain_admin, totp_code())


# --- the demo and totp_code ------------------------------------------------------------------------------------


def test_the_demo_admin_signs_in_with_the_printed_secret_and_totp_code_prints_its_code(sukabumi, keys, settings):
    from operations.management.commands.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    call_command("demo", stdout=io.StringIO())
    admin = Authenticator.objects.get(user__email="admin@demo.koperasi.invalid", type="totp").user
    assert DEMO_TOTP_SECRET not in stored(admin)
    settings.DEBUG = True
    printed, before = io.StringIO(), totp_code(DEMO_TOTP_SECRET)
    call_command("totp_code", admin.email, stdout=printed)
    assert printed.getvalue().strip() in {before, totp_code(DEMO_TOTP_SECRET)}  # the same, or the next period's
    client = Client()
    step = client.post(reverse("account_login"), {"login": admin.email, "password": DEMO_PASSWORD})
    assert step["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(DEMO_TOTP_SECRET)}).status_code == 302
