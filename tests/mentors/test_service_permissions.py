"""The mentor services refuse a change the actor may not make (PermissionDenied), like the other apps' services;
the system (actor None) may."""

import pytest
from django.core.exceptions import PermissionDenied

from mentors import services
from mentors.models import Mentor

from ..factories import MentorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor(sukabumi):
    return MentorFactory(regency=sukabumi, role=Mentor.Role.BA, email="ba.uji@contoh.test")


ROW = {"full_name": "Ani Baru", "role": "ba", "phone": "", "email": "ani.baru@contoh.test", "contract_start": "",
       "contract_end": "", "notes": ""}


@pytest.mark.parametrize("persona", ["office_user", "other_admin", "ba_user", "pmo_user"])
def test_only_an_admin_of_the_regency_adds_a_mentor(request, sukabumi, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.mentor_create(actor=actor, regency=sukabumi, full_name="Ani", role=Mentor.Role.BA)
    assert not Mentor.objects.filter(full_name="Ani").exists()


def test_an_admin_of_the_regency_and_the_system_add_a_mentor(sukabumi, admin_user):
    services.mentor_create(actor=admin_user, regency=sukabumi, full_name="Ani", role=Mentor.Role.BA)
    services.mentor_create(actor=None, regency=sukabumi, full_name="Budi", role=Mentor.Role.BA)
    assert Mentor.objects.filter(full_name__in=["Ani", "Budi"]).count() == 2


@pytest.mark.parametrize("persona", ["office_user", "other_admin", "ba_user", "pmo_user"])
@pytest.mark.parametrize("change", ["update", "deactivate", "activate", "invite"])
def test_only_an_admin_of_the_mentors_regency_changes_them(request, mentor, persona, change):
    actor = request.getfixturevalue(persona)
    calls = {
        "update": lambda: services.mentor_update(actor=actor, mentor=mentor, full_name="Diubah"),
        "deactivate": lambda: services.mentor_deactivate(actor=actor, mentor=mentor),
        "activate": lambda: services.mentor_activate(actor=actor, mentor=mentor),
        "invite": lambda: services.mentor_invite(actor=actor, mentor=mentor),
    }
    with pytest.raises(PermissionDenied):
        calls[change]()
    mentor.refresh_from_db()
    assert mentor.full_name != "Diubah" and mentor.is_active and mentor.user_id is None


def test_an_admin_of_the_mentors_regency_changes_them(mentor, admin_user):
    services.mentor_update(actor=admin_user, mentor=mentor, full_name="Diubah")
    services.mentor_deactivate(actor=admin_user, mentor=mentor)
    services.mentor_activate(actor=admin_user, mentor=mentor)
    mentor.refresh_from_db()
    assert mentor.full_name == "Diubah" and mentor.is_active  # inviting: tests/mentors/test_invitations.py


@pytest.mark.parametrize("persona", ["office_user", "other_admin", "ba_user"])
def test_only_an_admin_of_the_regency_imports_mentors(request, sukabumi, persona):
    with pytest.raises(PermissionDenied):
        services.mentors_import_apply(actor=request.getfixturevalue(persona), regency=sukabumi, rows=[ROW])
    assert not Mentor.objects.filter(full_name="Ani Baru").exists()
