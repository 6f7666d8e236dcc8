"""Who may read which figures: named predicates the reporting views decide with."""

from mentors.access import access_for
from offices.access import can_set_office_settings


def can_view_recap(user) -> bool:
    """The office's month-end recap: staff and admins of an office, province and national readers, and the national
    operator."""
    return access_for(user).sees_regencies


def can_view_dashboard(user) -> bool:
    """Dashboards and maps: the office (and readers) for its regencies, a mentor for their own area."""
    access = access_for(user)
    return access.sees_regencies or access.mentor is not None


def sees_office_figures(user) -> bool:
    """Whole regencies (the office's dashboards, also a reader's); anyone else sees only their own area."""
    return access_for(user).sees_regencies


def sees_own_area_only(user) -> bool:
    """A mentor without an office: their dashboard and map are of their own villages or districts."""
    access = access_for(user)
    return access.mentor is not None and not access.sees_regencies


def can_choose_province(user) -> bool:
    """A province's figures (the chooser, `?province=`): the national operator and national readers (any province),
    a province reader (theirs)."""
    access = access_for(user)
    return access.sees_everything or bool(access.reader_province_ids)


def can_set_regency_limits(user, regency_id: int) -> bool:
    """The office's settings page (targets, span, recency limits, due day): whoever may change them."""
    return can_set_office_settings(user, regency_id)


def can_set_limits_on(user, place) -> bool:
    """The dashboard's "set the limits" link: a regency's office dashboard, for an admin of that regency."""
    return place.level == "regency" and place.is_office and can_set_regency_limits(user, place.regency.pk)
