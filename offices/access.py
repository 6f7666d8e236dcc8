"""Who may change an office's settings."""

from mentors.access import access_for


def can_set_office_settings(user, regency_id: int) -> bool:
    """A regency's targets, limits and due day: an admin of its office (or the national operator)."""
    return access_for(user).manages(regency_id)
