from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

import api.urls
import cooperatives.urls
import mentors.urls
import territories.urls

from . import views


@login_not_required
def not_offered(request):
    """Accounts are created by admins, with the mentor's or staff member's address: people cannot sign
    themselves up or change their sign-in address."""
    raise Http404


urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("healthz/", views.healthz, name="healthz"),
    path("profile/", views.profile, name="profile"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("offline/", views.field_offline, name="field_offline"),
    path("field/pages/", views.field_pages, name="field_pages"),
    path("regions/", include(([*territories.urls.region_patterns, *cooperatives.urls.region_patterns], "regions"))),
    path("", include("territories.urls")),
    path("mentors/", include(([*mentors.urls.urlpatterns, *territories.urls.mentor_patterns], "mentors"))),
    path("", include("cooperatives.urls")),
    path("", include("reporting.urls")),
    path("api/v1/", api.urls.api_v1_patterns()),
    path("api-tokens/", include("api.urls")),
    path("offices/", include("offices.urls")),
    path("accounts/signup/", not_offered),
    path("accounts/email/", not_offered),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/login/", views.admin_sign_in),
    path("admin/", admin.site.urls),
]

handler500 = views.server_error

admin.site.site_header = _("Koperasi Merah Putih mentoring portal")
admin.site.site_title = _("Koperasi Merah Putih portal")

