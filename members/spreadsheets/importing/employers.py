"""The employer roster's importer: an employer is matched by its credit code (or, without
one, its name), its columns resolved one by one, checked by ``Employer.clean`` and the
area rule of ``Employer.objects.visible_to``, and written by bulk create and update."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from members.spreadsheets import columns as cols
from members.spreadsheets.importing.base import BATCH, Importer, copy_instance, stored_user
from organizations.access import is_unrestricted, scope_root
from organizations.models import Division, Employer

EMPLOYER_UPDATE_FIELDS = (
    "name", "credit_code", "nature", "economic_type", "industry", "division", "employees",
    "women_employees", "migrant_employees", "union", "unionized_on",
)


class EmployerImporter(Importer):
    model = Employer

    def validate(self, records):
        self.load_unions()
        self.load_divisions()
        self._load_employers(records)
        root = scope_root(self.user)
        # Where an employer without a union is visible to the user (None: nowhere).
        self.uncovered_area = Employer.objects.uncovered_area(root) if root else None
        seen = {}
        new, updated = [], []
        for row, values, names in records:
            self.names = names
            planned = self._build(row, values, seen)
            if planned is None:
                continue
            employer, current = planned
            if current is None:
                new.append(employer)
                continue
            changed = self.changed_fields(employer, current, EMPLOYER_UPDATE_FIELDS)
            if changed:
                updated.append((employer, changed))
            else:
                self.result.unchanged += 1
        self.report_unresolved_unions()
        self.result.new, self.result.updated = len(new), len(updated)
        return new, updated

    def _load_employers(self, records):
        """The employers the user sees, by credit code and name (one query), and the
        credit codes in the file that belong to employers outside their area."""
        visible = list(Employer.objects.visible_to(self.user))
        self.by_code = {e.credit_code: e for e in visible if e.credit_code}
        self.by_name = {}
        for employer in visible:
            self.by_name.setdefault(employer.name, []).append(employer)
        codes_in_file = []
        for _row, values, _names in records:
            code = self.identifier(values, "credit_code")
            if code and code not in self.by_code:
                codes_in_file.append(code)
        self.elsewhere = set(Employer.objects.filter(credit_code__in=codes_in_file)
                             .values_list("credit_code", flat=True)) if codes_in_file else set()

    def _build(self, row, values, seen):
        """One row as ``(employer, the registered one or None)``; None on an error."""
        errors_before = len(self.result.errors)
        code = self.identifier(values, "credit_code")
        name = self.text(values, "name")
        current = self._current(row, code, name)
        self.duplicate(seen, code or name, row, "credit_code" if code else "name",
                       _("This employer"))
        employer = copy_instance(current) if current is not None else Employer()
        if "name" in values:
            employer.name = name
        if code:
            employer.credit_code = code
        self._codes(row, values, employer)
        division = self._division(row, values, employer)
        self._headcounts(row, values, employer)
        self._union(row, values, employer, current)
        self._in_area(row, employer, division)
        try:
            employer.full_clean(exclude=["division", "union"], validate_unique=False,
                                validate_constraints=False)
        except ValidationError as error:
            self.model_errors(row, error, skip={e.key for e in self.result.errors[errors_before:]})
        if len(self.result.errors) > errors_before:
            return None
        return employer, current

    # --- one resolver per column -------------------------------------------------------

    def _current(self, row, code, name):
        """统一社会信用代码 (or, without it, 单位名称): the registered employer, if any."""
        current = self.by_code.get(code) if code else None
        if current is None and not code:
            same_name = self.by_name.get(name, [])
            if len(same_name) == 1:
                current = same_name[0]
            elif len(same_name) > 1:
                self.error(row, "name", _("Several employers are called \"%(name)s\"; add "
                                          "the credit code.") % {"name": name})
        if code in self.elsewhere:
            self.mark_outside(row)
            self.error(row, "credit_code", _("This employer is registered outside your area."))
        return current

    def _codes(self, row, values, employer):
        """单位性质, 经济类型 and 所属行业: the register's values, set when given."""
        for key in ("nature", "economic_type", "industry"):
            value = self.code(row, values, key, cols.column(cols.EMPLOYERS, key).codes)
            if value:
                setattr(employer, key, value)

    def _headcounts(self, row, values, employer):
        """The headcounts and 建会日期, set when given."""
        for key in ("employees", "women_employees", "migrant_employees"):
            value = self.integer(row, values, key)
            if value is not None:
                setattr(employer, key, value)
        value = self.date(row, values, "unionized_on")
        if value:
            employer.unionized_on = value

    def _division(self, row, values, employer):
        """所在镇街: a town or subdistrict in the user's area."""
        division = self.resolve_division(row, values, "division")
        if division is not None:
            if division.level != Division.Level.TOWN:
                self.error(row, "division", _("Give the town or subdistrict."))
            employer.division = division
        return division

    def _union(self, row, values, employer, current):
        """所属工会 / 工会编码: the covering union; without the column it stays."""
        if "union" in values or "union_code" in values:
            union = self.resolve_union(row, values, "union", "union_code")
            if union is not None:
                employer.union = union
        elif current is not None and current.union_id in self.unions_by_id:
            employer.union = self.unions_by_id[current.union_id]

    def _in_area(self, row, employer, division):
        """An employer without a union must be one the user would see: in the area of
        the federation they act for (``EmployerQuerySet.uncovered_area``)."""
        if employer.union_id is not None or division is None or is_unrestricted(self.user):
            return
        if not (self.uncovered_area and division.code.startswith(self.uncovered_area)):
            self.mark_outside(row)
            self.error(row, "division", _("An employer without a union must lie in your area."))

    def write(self, plan):
        new, updated = plan
        user = stored_user(self.user)
        bulk_create_with_history(new, Employer, batch_size=BATCH, default_user=user)
        if updated:
            fields = sorted({name for _e, changed in updated for name in changed})
            bulk_update_with_history([e for e, _c in updated], Employer, fields,
                                     batch_size=BATCH, default_user=user)
