from django.utils.functional import SimpleLazyObject

from api.access import can_issue_tokens
from cooperatives.access import can_record_visits, can_view_reports
from mentors.access import access_for, can_view_roster
from territories.access import can_view_plans


def _menu(user) -> dict:
    access = access_for(user)
    return {"roster": can_view_roster(user), "plans": can_view_plans(user), "reports": can_view_reports(user),
            "dashboard": access.sees_regencies or access.mentor is not None,
            "field": can_record_visits(user),  # the field app: visits kept on the phone until they are sent
            "api_tokens": can_issue_tokens(user)}


def portal(request):
    """`access`: the signed-in user's roles; `menu`: which sections they may open. Read lazily, once."""
    return {"access": SimpleLazyObject(lambda: access_for(request.user)),
            "menu": SimpleLazyObject(lambda: _menu(request.user))}
