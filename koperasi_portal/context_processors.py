from django.utils.functional import SimpleLazyObject

from mentors.selectors import access_for


def portal(request):
    """`access`: the signed-in user's roles, for menus. Read lazily, once per request."""
    return {"access": SimpleLazyObject(lambda: access_for(request.user))}
