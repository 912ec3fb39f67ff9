"""The rows of a statistics report: the figures they carry (``FIGURES``), one ``Row`` per
child union, county or town plus the total, the ``Report`` that holds them, and how a
grouping keys and labels its rows (``Keys``).

Part of ``members.statistics``, which sits above the register (``members``), itself
above ``organizations``: it reads unions and divisions, never writes them.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from members.models import Category
from organizations.models import Organization

BY_UNION = "union"
BY_COUNTY = "county"
BY_TOWN = "town"
GROUPINGS = (BY_UNION, BY_COUNTY, BY_TOWN)

MEMBER_FIGURES = ["members", "women_members", "migrant_members", "retained_members"] + [
    f"{category.value}_members" for category in Category if category != Category.MIGRANT_WORKER
]
EMPLOYER_FIGURES = [
    "employers", "employers_covered", "employers_25", "employers_25_covered", "employers_100",
    "employers_100_covered", "employees", "women_employees", "migrant_employees",
]
UNION_FIGURES = [
    "base_unions", "non_public_unions", "new_base_unions", "new_non_public_unions",
]
FIGURES = MEMBER_FIGURES + ["new_members"] + UNION_FIGURES + EMPLOYER_FIGURES
ZEROS = dict.fromkeys(FIGURES, 0)  # copied for each row: faster than building it


# The fields a child union's row carries, in the model's field order (which
# ``Organization.from_db`` expects): those the rows and the dashboard's links read.
CHILD_FIELDS = [field.attname for field in Organization._meta.concrete_fields
                if field.attname in ("id", "code", "name", "path", "kind")]


class Row:
    """One row of a report: its key (a child union's path, a county or town code), its
    label, its figures by name (also read as attributes: ``row.members``), and what it
    counts: a union (``organization``: the total's root, a child union) or a division
    (``division``: by county or town)."""

    def __init__(self, key, label, organization=None, division=None, figures=None, *,
                 child=None):
        self.key, self.label, self.division = key, label, division
        self.figures = ZEROS.copy() if figures is None else figures
        self._organization = organization
        # A child union not built yet: its database and ``CHILD_FIELDS`` values, atomic
        # values in tuples (which the garbage collector stops tracking).
        self._child = child

    @property
    def organization(self):
        """A child union is built from its values when first read: a town has thousands
        of rows, and the workbook reads none of their unions (the dashboard every one)."""
        if self._organization is None and self._child is not None:
            db, values = self._child
            self._organization = Organization.from_db(db, CHILD_FIELDS, values)
        return self._organization

    def __repr__(self):
        return f"<Row {self.key!r} {self.label!r}>"

    def __getattr__(self, name):
        try:
            return self.__dict__["figures"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def employers_uncovered(self):
        return self.employers - self.employers_covered

    @property
    def employers_25_uncovered(self):
        return self.employers_25 - self.employers_25_covered

    @property
    def employers_100_uncovered(self):
        return self.employers_100 - self.employers_100_covered

    @property
    def membership_rate(self):
        """入会率: members of the covered employers' workforce."""
        return self.members / self.employees if self.employees else None

    @property
    def unionisation_rate(self):
        """建会率: employers with a union of all employers."""
        return self.employers_covered / self.employers if self.employers else None

    @property
    def unionisation_rate_25(self):
        return self.employers_25_covered / self.employers_25 if self.employers_25 else None

    @property
    def unionisation_rate_100(self):
        return self.employers_100_covered / self.employers_100 if self.employers_100 else None


@dataclass
class Report:
    root: Organization
    day: date
    since: date | None
    grouping: str
    rows: list
    total: Row


class Keys:
    """How rows are keyed for one grouping, and the labels of the keys."""

    def __init__(self, root, grouping, divisions):
        self.root = root
        self.grouping = grouping
        self.divisions = {division.pk: division for division in divisions}
        self.division_codes = {pk: division.code for pk, division in self.divisions.items()}
        if grouping == BY_UNION:
            # A town has thousands of children: their ``CHILD_FIELDS`` values, each row's
            # union built from them when read (``Row.organization``).
            path, kind = CHILD_FIELDS.index("path"), CHILD_FIELDS.index("kind")
            self.name_index = CHILD_FIELDS.index("name")
            self.children = {}
            children = Organization.objects.filter(parent=root).order_by()  # rows sort by path
            self.db = children.db
            self.federation_prefixes = []  # the child county and town federations' areas
            for values in children.values_list(*CHILD_FIELDS, "division_id"):
                values, division_id = values[:-1], values[-1]
                self.children[values[path]] = values
                if values[kind] in (Organization.Kind.COUNTY, Organization.Kind.TOWN):
                    self.federation_prefixes.append(
                        (values[path], self.divisions[division_id].prefix))
        elif grouping not in GROUPINGS:
            raise ValueError(f"unknown grouping {grouping!r}")

    def key(self, group):
        """The row key of a ``per_union`` group: a child's path prefix as it is, a
        division id as its county or town code."""
        if self.grouping == BY_UNION:
            return group
        code = self.division_codes[group]
        return code[:6] if self.grouping == BY_COUNTY else code

    def employer_key(self, division_id):
        """The row key of the employers of ``employer_figures`` in a division: by county
        or town, the division's; by child union (only employers without a union come
        here: the others are counted per union), the child federation of their area,
        else the root."""
        if self.grouping != BY_UNION:
            return self.key(division_id)
        code = self.division_codes[division_id]
        for path, prefix in self.federation_prefixes:
            if code.startswith(prefix):
                return path
        return self.root.path

    def row(self, key, divisions, values=()):
        """The row of ``key``, with the figures in ``values``, ``(name, value)`` pairs
        (the others 0)."""
        figures = ZEROS.copy()
        figures.update(values)
        if self.grouping == BY_UNION:
            if key == self.root.path:
                return Row(key, _("%(union)s (directly)") % {"union": self.root.name},
                           organization=self.root, figures=figures)
            values = self.children.get(key)
            if values is None:
                return Row(key, key, figures=figures)
            return Row(key, values[self.name_index], figures=figures, child=(self.db, values))
        division = divisions.get(key)
        return Row(key, self.division_label(division), division=division, figures=figures)

    def division_label(self, division):
        """A county's or town's name; the members of unions placed at a higher level
        (city-level unions by county, county-level unions by town) get a row of their
        own saying so, not one that reads like the whole city or county."""
        if division is None:
            return _("(no division)")
        Level = type(division).Level
        if division.level == Level.CITY:
            return _("%(city)s city-level unions (in no county)") % {"city": division.name}
        if self.grouping == BY_TOWN and division.level == Level.COUNTY:
            return _("%(county)s county-level unions (in no town)") % {"county": division.name}
        return division.name
