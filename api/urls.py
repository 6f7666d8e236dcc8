from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("", views.token_list, name="token_list"),
    path("<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]


def api_v1_patterns():
    """The read API's URLs (`api_v1:` names), open to requests without a session: the token is their sign-in."""
    from .v1 import api

    patterns, app, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app, namespace
