from functools import cache

from django.urls import get_script_prefix, reverse
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


# The addresses every page's frame links to (base.html): they take no arguments, so they are worked out once per
# script prefix, not reversed eleven times on each request.
FRAME_LINKS = ["home", "web_manifest", "service_worker", "set_language", "profile", "account_logout", "admin:index",
               "reporting:dashboard", "regions:regency_list", "mentors:mentor_list", "territories:plan_list",
               "cooperatives:cooperative_list", "cooperatives:report_list"]


@cache
def _frame_links(prefix: str) -> dict[str, str]:
    return {name.replace(":", "_"): reverse(name) for name in FRAME_LINKS}


def portal(request):
    """`access`: the signed-in user's roles; `menu`: which sections they may open (read lazily, once); `links`:
    the frame's addresses, by name with ":" written "_" (`links.reporting_dashboard`)."""
    return {"access": SimpleLazyObject(lambda: access_for(request.user)),
            "menu": SimpleLazyObject(lambda: _menu(request.user)),
            "links": _frame_links(get_script_prefix())}
