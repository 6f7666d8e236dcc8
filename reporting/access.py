"""Who may read which figures: named predicates the reporting views decide with."""

from mentors.access import access_for


def can_view_recap(user) -> bool:
    """The office's month-end recap: staff and admins of an office, and the national operator."""
    return access_for(user).is_office
