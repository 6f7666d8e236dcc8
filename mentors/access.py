"""Who a user is in the portal, and what they may do to people.

Every "may this user do X?" about mentors and accounts is a named predicate here, correct on its own:
views use them to answer 403, templates (through the view's context) to hide buttons, services to refuse.
Predicates about plans and mentoring live in the `access.py` of the apps above this one.
What a user may *see* is answered by the selectors (404 outside the scope).
"""

from dataclasses import dataclass
from functools import cache

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q

from regions.models import Regency
from regions.timezones import DEFAULT, regency_today

from .models import Membership, Mentor, ReadingGrant


@dataclass(frozen=True)
class Access:
    """The roles of one signed-in user, read once per request."""

    is_superuser: bool = False
    admin_regency_ids: frozenset[int] = frozenset()
    staff_regency_ids: frozenset[int] = frozenset()
    mentor: Mentor | None = None
    # The user's mentor record is active but its contract ended before today: no mentor role any more, even before
    # the contracts job deactivates it (the request is refused: koperasi_portal.middleware).
    contract_ended: bool = False
    # The zone the user's pages are in (koperasi_portal.middleware): their regency's, or their office's (or read)
    # regencies' when these share one; WIB otherwise (superusers, national readers, places across zones).
    time_zone: str = DEFAULT
    # Readers (`ReadingGrant`): the regencies of the provinces they read, or the whole country. They see what an
    # office sees and change nothing: every write predicate (`manages`, `is_office_of`, `is_office`, `is_admin`)
    # stays false for them; what to see asks `office_scope`, `office_regencies`, `sees_regencies`, `sees`.
    reader_province_ids: frozenset[int] = frozenset()
    reader_regency_ids: frozenset[int] = frozenset()
    reads_country: bool = False

    @property
    def office_regency_ids(self) -> frozenset[int]:
        return self.admin_regency_ids | self.staff_regency_ids

    @property
    def working_regency_ids(self) -> frozenset[int]:
        """The regencies whose work is the user's own: their office's, and their mentor record's."""
        mentor = frozenset() if self.mentor is None else frozenset({self.mentor.regency_id})
        return self.office_regency_ids | mentor

    @property
    def sees_everything(self) -> bool:
        """Every regency is in sight: superusers (who also change everything) and national readers (who do not)."""
        return self.is_superuser or self.reads_country

    @property
    def is_reader(self) -> bool:
        """A province or national reader (who may also hold an office or mentor role elsewhere)."""
        return self.reads_country or bool(self.reader_province_ids)

    @property
    def seen_regency_ids(self) -> frozenset[int]:
        """The regencies seen whole: the office's and the read ones (meaningless when `sees_everything`)."""
        return self.office_regency_ids | self.reader_regency_ids

    def office_scope(self, path: str = "regency") -> Q:
        """The regencies the user sees whole (office or reader), as a filter through `path` to a regency ("regency"
        from Mentor, "district__regency" from Village, "" for Regency itself). Everything for a superuser or a
        national reader; nothing for a user with neither office nor reading grant. A read scope: a write asks
        `manages` or `is_office_of` as well."""
        if self.sees_everything:
            return Q()
        return Q(**{f"{path}_id__in" if path else "id__in": self.seen_regency_ids})

    @property
    def office_regencies(self) -> list[int] | None:
        """The ids of the regencies seen whole (office or reader), sorted; None means every regency."""
        return None if self.sees_everything else sorted(self.seen_regency_ids)

    @property
    def sees_regencies(self) -> bool:
        """Sees whole regencies, as an office does: office people, readers and superusers (reads only)."""
        return self.is_office or self.is_reader

    def sees(self, regency_id: int) -> bool:
        """The regency is seen whole (office or reader): reads only."""
        return self.sees_everything or regency_id in self.seen_regency_ids

    @property
    def is_office(self) -> bool:
        """Admins, office staff and superusers: they see whole regencies and keep their records (readers: False)."""
        return self.is_superuser or bool(self.office_regency_ids)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or bool(self.admin_regency_ids)

    def is_office_of(self, regency_id: int) -> bool:
        return self.is_superuser or regency_id in self.office_regency_ids

    def manages(self, regency_id: int) -> bool:
        return self.is_superuser or regency_id in self.admin_regency_ids

    @property
    def mentor_role(self) -> str | None:
        return self.mentor.role if self.mentor is not None else None

    @property
    def is_ba(self) -> bool:
        return self.mentor_role == Mentor.Role.BA

    @property
    def is_pmo(self) -> bool:
        return self.mentor_role == Mentor.Role.PMO

    def is_mentor(self, mentor_id: int | None) -> bool:
        return self.mentor is not None and self.mentor.pk == mentor_id

    @property
    def role(self) -> str:
        """The role the home page is built for."""
        if self.is_superuser:
            return "superuser"
        if self.admin_regency_ids:
            return "admin"
        if self.staff_regency_ids:
            return "staff"
        if self.reads_country:
            return "national_reader"
        if self.reader_province_ids:
            return "province_reader"
        return self.mentor_role or "none"


NO_ACCESS = Access()


def access_for(user) -> Access:
    """The user's roles, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_portal_access", None)
    if cached is not None:
        return cached
    admin, staff, provinces, country = set(), set(), set(), False
    zones, mentor_id = set(), None
    with connection.cursor() as cursor:
        cursor.execute(_roles_statement(), [user.pk, user.pk, user.pk, True])
        rows = cursor.fetchall()
    for kind, place, role, zone in rows:
        if kind == _OFFICE:
            (admin if role == Membership.Role.ADMIN else staff).add(place)
            zones.add(zone)
        elif kind == _MENTOR:
            mentor_id = place
        elif place is None:  # a grant with no province: the whole country
            country = True
        else:
            provinces.add(place)
    mentor = _mentor_with_regency(mentor_id) if mentor_id is not None else None
    ended = mentor is not None and contract_ended(mentor)
    # A province reader's regencies (and their zones): one more query, for province readers only.
    read_rows = list(Regency.objects.filter(province_id__in=provinces).values_list("id", "time_zone")) if (
        provinces and not country) else []
    read = frozenset(pk for pk, _zone in read_rows)
    zones |= {zone for _pk, zone in read_rows}
    if user.is_superuser or country:
        zone = DEFAULT
    elif zones:
        zone = zones.pop() if len(zones) == 1 else DEFAULT
    else:
        zone = mentor.regency.time_zone if mentor is not None else DEFAULT
    access = Access(is_superuser=user.is_superuser, admin_regency_ids=frozenset(admin),
                    staff_regency_ids=frozenset(staff), mentor=None if ended else mentor, contract_ended=ended,
                    reader_province_ids=frozenset(provinces), reader_regency_ids=read, reads_country=country,
                    time_zone=zone)
    user._portal_access = access
    return access


# Every request reads the user's roles, so the two statements are written once, not compiled by the ORM each time
# (compiling the annotated union was a third of a kept home page's work). Names come from the models' metadata.
_OFFICE, _GRANT, _MENTOR = 1, 2, 3


@cache
def _roles_statement() -> str:
    """(kind, regency, province or mentor id, role, office regency's time zone) of the user's office memberships,
    reading grants and active mentor record, in one statement; parameters: the user's id three times, then True."""
    q = connection.ops.quote_name
    membership, grant, mentor, regency = (model._meta for model in (Membership, ReadingGrant, Mentor, Regency))
    column = {meta: {f.name: q(f.column) for f in meta.concrete_fields}
              for meta in (membership, grant, mentor, regency)}
    return (
        f"SELECT {_OFFICE}, m.{column[membership]['regency']}, m.{column[membership]['role']}, "
        f"r.{column[regency]['time_zone']} FROM {q(membership.db_table)} m INNER JOIN {q(regency.db_table)} r "
        f"ON r.{column[regency]['id']} = m.{column[membership]['regency']} WHERE m.{column[membership]['user']} = %s "
        f"UNION ALL SELECT {_GRANT}, g.{column[grant]['province']}, g.{column[grant]['role']}, '' "
        f"FROM {q(grant.db_table)} g WHERE g.{column[grant]['user']} = %s "
        f"UNION ALL SELECT {_MENTOR}, me.{column[mentor]['id']}, '', '' FROM {q(mentor.db_table)} me "
        f"WHERE me.{column[mentor]['user']} = %s AND me.{column[mentor]['is_active']} = %s")


@cache
def _mentor_statement() -> tuple[str, list[str]]:
    """The mentor's row with its regency's columns after it (aliased `regency__<name>`), and those names."""
    q = connection.ops.quote_name
    mentor, regency = Mentor._meta, Regency._meta
    names = [f.attname for f in regency.concrete_fields]
    columns = ", ".join([f"me.{q(f.column)}" for f in mentor.concrete_fields]
                        + [f"r.{q(f.column)} AS {q('regency__' + f.attname)}" for f in regency.concrete_fields])
    regency_id = q(mentor.get_field("regency").column)
    return (f"SELECT {columns} FROM {q(mentor.db_table)} me INNER JOIN {q(regency.db_table)} r "
            f"ON r.{q(regency.pk.column)} = me.{regency_id} WHERE me.{q(mentor.pk.column)} = %s", names)


def _mentor_with_regency(mentor_id: int) -> Mentor | None:
    """The mentor (its fields converted as the ORM does) with its regency attached: one statement."""
    sql, names = _mentor_statement()
    mentor = next(iter(Mentor.objects.raw(sql, [mentor_id])), None)
    if mentor is not None:
        mentor.regency = Regency.from_db(connection.alias, names,
                                         [getattr(mentor, f"regency__{name}") for name in names])
    return mentor


def contract_ended(mentor: Mentor, today=None) -> bool:
    """The mentor's contract ended before today (in their regency's time): their access ends with it."""
    return mentor.contract_end is not None and mentor.contract_end < (today or regency_today(mentor.regency))


def require(allowed: bool) -> None:
    """403 unless `allowed`: call it with a predicate once the object is known to be in the user's scope."""
    if not allowed:
        raise PermissionDenied


# --- predicates about people ----------------------------------------------------------------------


def can_view_roster(user) -> bool:
    """The office lists its mentors (readers those of the regencies they read); a PMO lists the BAs they supervise."""
    access = access_for(user)
    return access.sees_regencies or access.is_pmo


def can_export_roster(user) -> bool:
    return access_for(user).sees_regencies


def can_add_mentors(user) -> bool:
    """Admins add and import mentors (into a regency they manage)."""
    return access_for(user).is_admin


def can_add_mentors_to(user, regency_id: int) -> bool:
    """Add or import mentors into one regency: an admin of that regency."""
    return access_for(user).manages(regency_id)


def can_manage_mentor(user, mentor: Mentor) -> bool:
    """Edit, (de)activate and invite: an admin of the mentor's regency."""
    return access_for(user).manages(mentor.regency_id)


def can_renew_contracts(user) -> bool:
    """Renew contracts in bulk: admins (each mentor also passes `can_manage_mentor`)."""
    return access_for(user).is_admin


def can_see_internal_notes(user) -> bool:
    """Contract dates, notes and the change log of a mentor are the office's (not its readers')."""
    return access_for(user).is_office


def can_manage_office_accounts(user) -> bool:
    """Admins manage the office accounts (admins and staff) of the regencies they administer."""
    return access_for(user).is_admin


def can_manage_office(user, regency_id: int) -> bool:
    """Add, invite, suspend, reactivate and re-role the office accounts of a regency: its admins, and superusers.

    Its office staff may see the regency but not its accounts (403); anyone else does not see them at all (404,
    answered by `selectors.office_regency_get_for_user`)."""
    return access_for(user).manages(regency_id)


def must_use_mfa(user) -> bool:
    """Admins of a regency, superusers and people with Django admin access sign in with a second factor."""
    return bool(settings.MFA_REQUIRED_FOR_ADMINS and user.is_authenticated
                and (user.is_superuser or user.is_staff or access_for(user).is_admin))


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
