"""The member list's declared filters (``organizations.params``): the register page,
the admin's export button and every export of members read the same names, so a
filter means one thing wherever it appears and nothing else reaches the query."""

from django.http import Http404

from members.models import Category, Member
from organizations.models import Organization
from organizations.params import Param, Params, choice, code, day, digits, integer

CURRENT = "current"  # status filter: active and retained members, the people figures count


def visible_union(code_value, user):
    """The union named by ``code_value`` if the user may see it; 404 otherwise, so a code
    outside the scope answers like one that does not exist."""
    union = Organization.objects.visible_to(user).filter(code=code_value).first()
    if union is None:
        raise Http404
    return union


def _in_union(queryset, value, user):
    return queryset.in_subtree(visible_union(value, user))


def _status(queryset, value, user):
    return queryset.current() if value == CURRENT else queryset.filter(status=value)


def _category(queryset, value, user):
    return queryset.filter(**{Category(value).field: True})


def _search(queryset, value, user):
    return queryset.search(value, user)  # what may be searched for is the role's


MEMBER_FILTERS = Params(
    Param("q", filter=_search),
    Param("union", code, filter=_in_union, max_length=30),
    Param("status", choice(CURRENT, *Member.Status.values), filter=_status),
    Param("category", choice(*Category.values), filter=_category),
    # Links from the dashboard's breakdowns: the union's division (a county or town
    # row), the drive, the join period (new members).
    Param("division", digits, filter="union__division__code__startswith", max_length=9),
    Param("drive", integer, filter="drive_id", max_length=12),
    Param("joined_from", day, filter="joined_on__gte", max_length=10),
    Param("joined_to", day, filter="joined_on__lte", max_length=10),
    # The admin change list's names (its export button passes them on).
    Param("org", code, filter=_in_union, max_length=30),
    Param("county", digits, filter="union__division__code__startswith", max_length=9),
    Param("town", digits, filter="union__division__code", max_length=9),
    Param("status__exact", choice(*Member.Status.values), filter="status"),
)
