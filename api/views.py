"""The portal's pages for API tokens: an admin issues one (its secret shown once), lists theirs, revokes one."""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mentors.access import require

from . import selectors, services
from .access import can_issue_tokens, can_revoke_token
from .forms import TokenForm


@never_cache
def token_list(request):
    """The admin's tokens with their last use, and the form to issue one. The new secret is on the answer to the
    form only: it is never stored, so the page cannot show it again."""
    require(can_issue_tokens(request.user))
    form = TokenForm(request.POST or None)
    issued = secret = None
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        submission = values.pop("submission")
        if submission and not cache.add(f"api-token-form:{request.user.pk}:{submission}", 1, timeout=86400):
            # The page sent again (a refresh after issuing): its secret was shown once and cannot be shown again.
            messages.warning(request, _("This form was already sent and its token issued; a token's secret is shown "
                                        "only once. Issue a new token if you did not copy it, and revoke the other."))
            return redirect("api:token_list")
        try:
            issued, secret = services.token_issue(actor=request.user, **values)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            form = TokenForm()
    tokens = Paginator(selectors.tokens_visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "api/token_list.html",
        {
            "form": form,
            "page_obj": tokens,
            "issued": issued,
            "secret": secret,
            "api_root": request.build_absolute_uri(reverse("api_v1:openapi-view")),
        },
    )


@require_POST
def token_revoke(request, pk):
    token = selectors.token_get_for_user(request.user, pk)  # 404 outside the user's tokens
    require(can_revoke_token(request.user, token))
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked: it no longer opens the API.") % {"name": token.name})
    return redirect("api:token_list")
