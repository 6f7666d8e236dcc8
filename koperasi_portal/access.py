"""Which start page a user gets: named predicates the home view decides with (roles from `mentors.access`)."""

from mentors.access import access_for


def sees_office_home(user) -> bool:
    """Admins, office staff, readers (their province's or the nation's overview) and superusers start on the office
    overview."""
    return access_for(user).sees_regencies


def sees_ba_home(user) -> bool:
    """A Business Assistant starts on their own page: their territory, villages, cooperatives and report."""
    return access_for(user).is_ba


def sees_pmo_home(user) -> bool:
    """A PMO starts on their team's page."""
    return access_for(user).is_pmo
