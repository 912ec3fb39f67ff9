"""The union roster's importer: a union is matched by its code, its columns resolved one
by one (a parent may be a union created higher up in the same file), checked by
``Organization.clean``, and saved one by one, parents first."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from members.spreadsheets import columns as cols
from members.spreadsheets.importing.base import Importer, copy_instance
from organizations.models import Division, Organization

UNION_UPDATE_FIELDS = (
    "name", "kind", "parent", "division", "credit_code", "founded_on", "chair", "phone",
    "is_non_public", "reported_members",
)
# 总工会 in the kind column: the federation of the division's level.
FEDERATION_KINDS = {Division.Level.CITY: Organization.Kind.CITY,
                    Division.Level.COUNTY: Organization.Kind.COUNTY,
                    Division.Level.TOWN: Organization.Kind.TOWN}


class UnionImporter(Importer):
    """Unions are few (5,375 in the whole city) and each save must keep the tree's paths
    right (``Organization.save``), so they are saved one by one, parents first; a parent
    may be a union created higher up in the same file."""

    model = Organization

    def validate(self, records):
        self.load_unions()
        self.load_divisions()
        codes_in_file = [self.identifier(values, "code") for _row, values, _names in records]
        self.elsewhere = {
            union.code for union in Organization.objects.filter(code__in=codes_in_file)
            if union.pk not in self.unions_by_id
        }
        self.created = {}  # the new unions so far, by code and name
        seen = {}
        plan = []
        for row, values, names in records:
            self.names = names
            planned = self._build(row, values, seen)
            if planned is not None:
                self._plan(row, plan, *planned)
        self.report_unresolved_unions()
        return plan

    def _build(self, row, values, seen):
        """One row as ``(union, parent or None, the registered union or None)``; None on
        an error."""
        errors_before = len(self.result.errors)
        code = self.identifier(values, "code")
        if "code" not in self.names:  # the organisation form: no 工会编码 column
            return self._form_row(row, values, seen)
        if code in self.elsewhere:
            self.mark_outside(row)
            self.error(row, "code", _("The union %(code)s lies outside your area.")
                       % {"code": code})
            return None
        self.duplicate(seen, code, row, "code", _("This union code"))
        current = self.unions_by_code.get(code)
        if current is not None and current.code != code:
            current = None  # the code matched another union's credit code
        union = copy_instance(current) if current is not None else Organization(code=code)
        self._details(row, values, union)
        division = self.resolve_division(row, values, "division")
        if division is not None:
            union.division = division
        self._kind(row, values, union, division)
        parent = None
        if "parent" in values:
            parent = self.resolve_union(row, values, "parent", extra=self.created)
            if parent is not None:
                union.parent = parent
        try:
            union.full_clean(exclude=["parent", "division", "path"], validate_unique=False,
                             validate_constraints=False)
        except ValidationError as error:
            self.model_errors(row, error, {"parent": "parent"},
                              skip={e.key for e in self.result.errors[errors_before:]})
        if len(self.result.errors) > errors_before:
            return None
        return union, parent, current

    def _form_row(self, row, values, seen):
        """A row of the provincial organisation form (工会组织信息采集表): a registered
        union, matched by its credit code or its name, with its columns changed; the
        form has no 工会编码 or 上级工会, so it adds no union. A joint union repeats its
        columns on each covered employer's row: repeats that agree are the same union."""
        credit = self.identifier(values, "credit_code")
        name = self.text(values, "name")
        current = self.unions_by_code.get(credit) if credit else None
        if current is None and not credit and len(self.unions_by_name.get(name, [])) == 1:
            current = self.unions_by_name[name][0]
        if current is None:
            self.error(row, "credit_code" if credit else "name", _(
                "No union \"%(union)s\" in your area. The organisation form has no union code "
                "or parent union, so it cannot add unions: use the union template."
            ) % {"union": credit or name})
            return None
        own = tuple(sorted((key, str(value)) for key, value in values.items()))
        first = seen.get(current.code)
        if first is not None:
            if first[1] != own:
                self.error(row, "name", _("This union also appears on row %(row)d with other "
                                          "values.") % {"row": first[0]})
            return None
        seen[current.code] = (row, own)
        union = copy_instance(current)
        self._details(row, values, union)
        self._kind(row, values, union, current.division if current.division_id else None)
        return union, None, current

    def _plan(self, row, plan, union, parent, current):
        """Plan a new union's creation or a registered one's changes (if any)."""
        if current is None:
            # A stand-in id lets rows below name this union as their parent before it
            # exists; write() saves parents first and re-links the children.
            union.pk = -row
            self.created[union.code] = union
            if union.name not in self.created:
                self.created[union.name] = union
            plan.append((union, parent, None))
            self.result.new += 1
            return
        changed = self.changed_fields(union, current, UNION_UPDATE_FIELDS)
        if changed:
            plan.append((union, parent, changed))
            self.result.updated += 1
        else:
            self.result.unchanged += 1

    # --- one resolver per column -------------------------------------------------------

    def _details(self, row, values, union):
        """工会名称, 工会主席, 联系电话, 统一社会信用代码, 成立日期, 是否非公企业 and
        上报会员数, set when given."""
        if "name" in values:
            union.name = self.text(values, "name")
        for key in ("chair", "phone"):
            if key in values:
                setattr(union, key, self.text(values, key))
        credit = self.identifier(values, "credit_code")
        if credit:
            union.credit_code = credit
        founded = self.date(row, values, "founded_on")
        if founded:
            union.founded_on = founded
        if "is_non_public" in values:
            value = self.boolean(row, values, "is_non_public")
            if value is not None:
                union.is_non_public = value
        if "reported_members" in values:
            union.reported_members = self.integer(row, values, "reported_members")

    def _kind(self, row, values, union, division):
        """工会类型: a kind, or 总工会 — the federation of the division's level."""
        kind_word = self.code(row, values, "kind", cols.column(cols.UNIONS, "kind").codes + tuple(
            cols.UNION_KIND_WORDS))
        if kind_word == cols.FEDERATION_WORD:
            level = division.level if division else None
            union.kind = FEDERATION_KINDS.get(level, union.kind)
        elif kind_word:
            union.kind = cols.UNION_KIND_WORDS[kind_word]

    def write(self, plan):
        for union, parent, changed in plan:
            if parent is not None:
                union.parent = parent  # the parent has its real id by now
            if changed is None:
                union.pk = None
                union._state.adding = True
                union.save()
            else:
                union.save()
