"""Declared query parameters: the only way a request's parameters reach a query.

Every page declares the GET parameters it reads, each with how its value is read and,
for a list, how it filters (``Param``); ``access_required(params=…)`` reads them before
the view runs. A parameter that is not declared, given twice, too long or malformed
answers 400 with a message naming it, and no ``a__b__c`` path from the URL ever
reaches the ORM: a filter is a name that maps to a lookup written here, in the code.
The admin's lists follow the same rule through their ``list_filter``
(``organizations.admin_scoping.DeclaredLookupsMixin``).

A view then reads ``request.params`` (the read values). ``request.GET`` is replaced by a
copy that refuses to hand out an undeclared key, so a view that reads one fails its
tests instead of quietly accepting input nobody checked.
"""

import re

from django.http import QueryDict
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

MAX_LENGTH = 100  # characters in one value unless a parameter says otherwise


class BadParameter(Exception):
    """A request parameter that cannot be used; ``message`` names it, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class UndeclaredParameter(LookupError):
    """A view read a GET key it did not declare: a programming error, caught by tests."""


# --- Readers: raw text → value, ValueError when malformed ------------------------------------


def text(raw):
    return raw.strip()


def digits(raw):
    raw = raw.strip()
    if not raw.isdigit() or not raw.isascii():
        raise ValueError
    return raw


def integer(raw):
    return int(digits(raw))


def day(raw):
    value = parse_date(raw.strip())  # ValueError for an impossible day such as 2024-02-30
    if value is None:
        raise ValueError
    return value


def choice(*allowed):
    allowed = {str(value) for value in allowed}

    def read(raw):
        raw = raw.strip()
        if raw not in allowed:
            raise ValueError
        return raw

    return read


def code(raw):
    """A union, division or credit code: letters, digits and hyphens only."""
    raw = raw.strip()
    if not re.fullmatch(r"[0-9A-Za-z-]+", raw):
        raise ValueError
    return raw


class Param:
    """One declared GET parameter: its name, how its value is read (``read``: raw text →
    value, ``ValueError`` when malformed), its longest accepted value, and for a list how
    it narrows a queryset (``filter``: a lookup such as ``"status"`` or a function
    ``(queryset, value, user) → queryset``; None for parameters that are not list
    filters)."""

    def __init__(self, name, read=text, *, filter=None, max_length=MAX_LENGTH):
        self.name = name
        self.read = read
        self.filter = filter
        self.max_length = max_length

    def clean(self, raw):
        if len(raw) > self.max_length:
            raise BadParameter(_("The parameter %(name)s is too long (at most %(max)d "
                                 "characters).") % {"name": self.name, "max": self.max_length})
        try:
            return self.read(raw)
        except (ValueError, TypeError, OverflowError):
            raise BadParameter(_("The parameter %(name)s has a value that cannot be used: "
                                 "%(value)s") % {"name": self.name, "value": raw[:40]}) from None

    def apply(self, queryset, value, user):
        if self.filter is None:
            return queryset
        if callable(self.filter):
            return self.filter(queryset, value, user)
        return queryset.filter(**{self.filter: value})


class Params:
    """The parameters one page (or one export) accepts."""

    def __init__(self, *params):
        self.by_name = {}
        for param in params:
            param = param if isinstance(param, Param) else Param(param)
            self.by_name[param.name] = param

    def __add__(self, other):
        return Params(*self.by_name.values(), *other.by_name.values())

    def __iter__(self):
        return iter(self.by_name.values())

    def __contains__(self, name):
        return name in self.by_name

    def names(self):
        return set(self.by_name)

    def read(self, query):
        """The values of the parameters present and not empty, read; ``BadParameter`` for
        anything undeclared, repeated or malformed. ``query`` is a ``QueryDict`` or a
        plain dict of strings (filters stored with a background job)."""
        values = {}
        pairs = query.lists() if hasattr(query, "lists") else ((k, [v]) for k, v in query.items())
        for name, raws in pairs:
            param = self.by_name.get(name)
            if param is None:
                raise BadParameter(_("Unknown parameter %(name)s.") % {"name": name[:40]})
            if len(raws) > 1:
                raise BadParameter(_("The parameter %(name)s is given more than once.")
                                   % {"name": name})
            if raws[0].strip():
                values[name] = param.clean(raws[0])
        return values

    def filter(self, queryset, values, user):
        """Narrow ``queryset`` by every list filter among ``values``."""
        for name, value in values.items():
            queryset = self.by_name[name].apply(queryset, value, user)
        return queryset


NO_PARAMS = Params()


class DeclaredQueryDict(QueryDict):
    """``request.GET`` as a view sees it: only declared keys can be read."""

    def __init__(self, query_string, declared, encoding=None):
        self.declared = frozenset(declared)  # first: filling the dict asks __contains__
        super().__init__(query_string, encoding=encoding)

    def __getitem__(self, key):
        self._check(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        self._check(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._check(key)
        return super().__contains__(key)

    def copy(self):
        # What a view changes (the ``querystring`` tag adds a page) is its own plain copy.
        return QueryDict(self.urlencode(), mutable=True, encoding=self.encoding)

    __copy__ = copy

    def _check(self, key):
        if key not in self.declared:
            raise UndeclaredParameter(f"GET parameter {key!r} read but not declared")


def declare(request, params):
    """Read the declared ``params`` from ``request.GET`` into ``request.params`` (raises
    ``BadParameter``) and leave the view a ``GET`` that hands out nothing else."""
    request.params = params.read(request.GET)
    request.GET = DeclaredQueryDict(request.GET.urlencode(), params.names(),
                                    encoding=request.GET.encoding)


def bad_request(request, message):
    """The 400 page, naming what was wrong with the request."""
    return render(request, "400.html", {"message": message}, status=400)

