"""The pickers' searches: a union or employer field on a page searches as the clerk
types (static/js/picker.js fills the field's list from these), so no page sends
thousands of options. Only what the user may see is offered, at most ``LIMIT`` at a
time, matched by the start of the code or any part of the name."""

from django.db.models import Q
from django.http import JsonResponse

from organizations import params as read
from organizations.access import access_required
from organizations.models import Employer, Organization
from organizations.params import Param, Params

LIMIT = 20
PICKER_PARAMS = Params(Param("q", max_length=50), Param("union", read.code, max_length=30))


def _matching(queryset, term, code_field):
    if not term:
        return queryset.none()
    return queryset.filter(Q(**{f"{code_field}__startswith": term}) | Q(name__contains=term))


@access_required("view", params=PICKER_PARAMS)
def union_search(request):
    """Unions people belong to (base unions, industry federations) in the user's area."""
    unions = _matching(Organization.objects.visible_to(request.user).taking_members(),
                       request.params.get("q", ""), "code")
    return JsonResponse({"results": [
        {"value": union.code, "label": union.name}
        for union in unions.order_by("name").only("code", "name")[:LIMIT]
    ]})


@access_required("view", params=PICKER_PARAMS)
def employer_search(request):
    """Employers in the user's area, of one union when ``union`` (its code) is given."""
    employers = Employer.objects.visible_to(request.user)
    if "union" in request.params:
        employers = employers.filter(union__code=request.params["union"])
    employers = _matching(employers, request.params.get("q", ""), "credit_code")
    return JsonResponse({"results": [
        {"value": employer.name, "label": employer.credit_code or employer.name}
        for employer in employers.order_by("name").only("name", "credit_code")[:LIMIT]
    ]})
