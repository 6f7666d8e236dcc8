"""Encrypt the MFA secrets stored in plain text before this release (authenticator apps' secrets, recovery codes'
seeds) with the first key of MFA_ENCRYPTION_KEYS. Run again, it changes nothing: encrypted values are skipped.
Backwards it stores them in plain text again, for the previous release's code (which reads them as they are)."""

from django.db import migrations


def encrypt(apps, schema_editor):
    from mentors.adapters import mfa_secrets_encrypt

    mfa_secrets_encrypt(apps.get_model("mfa", "Authenticator"))


def decrypt(apps, schema_editor):
    from mentors.adapters import mfa_secrets_decrypt

    mfa_secrets_decrypt(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):

    dependencies = [
        ("mentors", "0005_office_accounts_history"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
