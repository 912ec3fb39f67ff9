"""The member roster's importer: each row built into a member by one resolver per
column, checked by ``Member.clean``, and written in bulk — a new member with the events
``services.opening_events`` builds (the same as ``enrol``), through the bulk writer
(``members.spreadsheets.bulk``); an existing member's changed details by bulk update."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _, gettext_lazy
from simple_history.utils import bulk_update_with_history

from members import services
from members.forms import existing_membership_message
from members.identity import DocumentType, looks_mangled_by_excel, parse_document
from members.models import COUNTED_FIELDS, Category, Member, MembershipEvent
from members.spreadsheets import columns as cols
from members.spreadsheets.bulk import NEW_MEMBER_FIELDS, MemberWriter
from members.spreadsheets.importing import changes
from members.spreadsheets.importing.base import BATCH, Importer, copy_instance, stored_user
from members.spreadsheets.importing.lookups import Employers
from members.spreadsheets.reading import cell_text

CHUNK_ROWS = 10_000  # member rows validated and written at a time
Kind = MembershipEvent.Kind
# Labels for duplicates, translated only when a duplicate turns up.
THIS_PERSON = gettext_lazy("This person")
THIS_CARD_NUMBER = gettext_lazy("This card number")
ID_TYPES = cols.column(cols.MEMBERS, "id_type").codes
MEMBER_TEXT_FIELDS = ("name", "native_place", "household_place", "notes")
MEMBER_CODE_FIELDS = {
    name: cols.column(cols.MEMBERS, name).codes
    for name in ("gender", "ethnicity", "household_type", "education", "political_status",
                 "employment_status", "skill_grade")
}
CODE_ALIASES = {
    "党员": "中共党员", "预备党员": "中共预备党员", "团员": "共青团员", "农业": "农业户口",
    "非农业": "非农业户口", "城镇": "非农业户口", "农村": "农业户口", "中专/中技": "中专",
    "小学": "小学及以下", "研究生": "硕士", "大学本科": "本科", "大学专科": "大专",
}
# Fields an import may change on an existing member. The membership state (union,
# status, join date) changes only through members.services, so that history stays right.
MEMBER_UPDATE_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "native_place", "household_place",
    "household_type", "education", "political_status", "employment_status", "skill_grade",
    "mobile", "employer", "card_number", "member_type", "notes",
    *(category.field for category in Category),
)
FIELD_TO_KEY = {"employer": "employer", "union": "union", "is_migrant_worker": "categories"}


class MemberImporter(Importer):
    model = Member
    file_union = None  # where rows that name no union go (``run_import``)

    def run(self, records):
        """Validate and write ``CHUNK_ROWS`` rows at a time, so that memory holds a
        chunk's planned members rather than the whole file's (a 100,000-row commit
        peaked over 500 MB). Checks across the file (the same person or card twice,
        unknown unions) keep their state from chunk to chunk; once any row has an error
        nothing more is written, the rest is still checked so every error is reported,
        and ``run_import`` rolls back what the earlier chunks wrote.

        Each chunk's new members are written (``MemberWriter``: in the background on
        PostgreSQL) while the next chunk is built, after its lookups: building queries
        nothing, so the database writes while Python validates."""
        self.prepare()
        if not self.writing:
            for done, chunk in self._chunks(records):
                self.build(chunk, self.look_up(chunk))
            self.report_unresolved_unions()
            return
        writer = MemberWriter(stored_user(self.user))
        try:
            planned = None  # the chunk before, to write
            for done, chunk in self._chunks(records):
                found = self.look_up(chunk)
                if planned and self.result.ok:
                    self.write(planned, writer)
                planned = self.build(chunk, found)
                writer.wait()
            if planned and self.result.ok:
                self.write(planned, writer)
        finally:
            writer.close()  # before the transaction ends, however it ends
        self.report_unresolved_unions()
        if self.result.ok:
            self.apply_changes()

    def _chunks(self, records):
        """``(rows before it, chunk)`` for each chunk, telling ``progress`` as it goes."""
        done = 0
        for chunk in records.chunks(CHUNK_ROWS):
            if self.progress:
                self.progress(done, len(records))
            yield done, chunk
            done += len(chunk)

    def apply_changes(self):
        """The membership changes of registered people (``changes.decide`` allowed
        them), through ``members.services``, after their details were written; one the
        register no longer allows (changed since the preview) is a row error, and
        ``run_import`` rolls everything back."""
        for row, member, action in self.actions:
            try:
                changes.apply(member, action, self.user)
            except services.MembershipError as error:
                self.error(row, "change_type", error)

    def prepare(self):
        """The lookups every chunk uses: unions, employers, and what is seen so far."""
        self.load_unions()
        self.employers = Employers(self.user, self.unions_by_id)
        self.seen_documents, self.seen_cards = {}, {}
        self.actions = []  # (row, member, changes.Action) for registered people
        # A new member is kept as its column values (``NEW_MEMBER_FIELDS``), a tenth of the
        # memory of a model instance; a dry run keeps none at all.
        self.prototype = Member(created_by=stored_user(self.user))

    def look_up(self, records):
        """The first pass over a chunk: its document and card numbers, checked, and the
        members already registered with them, loaded in bulk (for ``build``)."""
        parsed = []
        for row, values, names in records:
            self.names = names
            id_type, number = self._id_number(row, values)
            if number:
                self.duplicate(self.seen_documents, (id_type, number), row, "id_number",
                               THIS_PERSON)
            card = re.sub(r"\s+", "", self.text(values, "card_number"))
            if card:
                self.duplicate(self.seen_cards, card, row, "card_number", THIS_CARD_NUMBER)
            parsed.append((id_type, number, card))
        existing = self._registered([p[1] for p in parsed if p[1]])
        self.latest = dict(  # the registered people's latest events (``changes.decide``)
            (event.member_id, event) for event in MembershipEvent.objects.filter(
                member_id__in=[member.pk for member in existing.values()], valid_until=None)
        ) if existing else {}
        card_holders = self._card_holders([p[2] for p in parsed if p[2]])
        first_pass_errors = {error.row for error in self.result.errors}
        return parsed, existing, card_holders, first_pass_errors

    def build(self, records, found):
        """The second pass over a chunk (after ``look_up``, which found ``found``): each
        row built into a member and checked, ``(new, updated)`` members to write."""
        parsed, existing, card_holders, first_pass_errors = found
        new, updated = [], []
        for (row, values, names), (id_type, number, card) in zip(records, parsed):
            self.names = names
            current = existing.get((id_type, number)) if number else None
            if card and card in card_holders and card_holders[card] != (id_type, number):
                self.error(row, "card_number", _("This card number belongs to another member."))
            planned = self._build(row, values, id_type, current, number)
            if planned is None or row in first_pass_errors:
                continue
            member, events = planned  # a registered person's: [its membership action] or []
            if current is None:
                self.result.new += 1
                if self.writing:
                    new.append((tuple([getattr(member, name) for name in NEW_MEMBER_FIELDS]),
                                events))
                continue
            changed = self.changed_fields(member, current, MEMBER_UPDATE_FIELDS)
            if changed and self.writing:
                updated.append((member, changed))
            if changed or events:
                self.result.updated += 1
            else:
                self.result.unchanged += 1
        return new, updated

    def _registered(self, numbers):
        """The members already registered with these numbers (``services.registrations``),
        by (document type, number)."""
        found = services.registrations(numbers, batch=BATCH, unions=self.unions_by_id)
        for member in found.values():
            if member.employer_id in self.employers:
                # Member.clean reads the employer's union: no query per row.
                member.employer = self.employers.get(member.employer_id)
        return found

    def _card_holders(self, cards):
        holders = {}
        for start in range(0, len(cards), BATCH):
            for card, id_type, number in Member.objects.filter(
                card_number__in=cards[start:start + BATCH]
            ).values_list("card_number", "id_type", "id_number"):
                holders[card] = (id_type, number)
        return holders

    def _build(self, row, values, id_type, current, number):
        """One row as ``(member, opening events)``: a new member, or a copy of ``current``
        (registered already) with the row's changes and whether its membership changes
        (``_membership``); None on an error."""
        errors_before = len(self.result.errors)
        change = self._change(row, values)
        if current is not None and current.union_id not in self.unions_by_id:
            return self._from_elsewhere(row, values, current, change)
        # A copy of one blank member: the same defaults as Member(), without running
        # Model.__init__ for every row.
        member = copy_instance(current if current is not None else self.prototype)
        member.id_type = id_type
        member.id_number = self.text(values, "id_number")
        self._details(row, values, member)
        union = self._union(row, values, member, current)
        employer = self._employer(
            row, values, self.unions_by_id.get(member.union_id) if member.union_id else union
        )
        if employer is not None:
            member.employer = employer
        if current is None:
            self._join_date(row, values, member, change)
        else:
            self._joined_on(row, member, current)
        if not member.union_id:
            return None  # the missing or unknown union is reported already or below
        self._check(row, member, errors_before, number)
        if len(self.result.errors) > errors_before or not number:
            return None
        if current is not None:
            actions = self._membership(row, current, change, union)
            return None if actions is None else (member, actions)
        if change is changes.ACTIVE or getattr(change, "kind", None) == Kind.JOIN:
            change = None  # the join itself (on joined_on, set by _join_date)
        return self._opening_events(row, member, change and (change.kind, change.day,
                                                             change.reason))

    def _membership(self, row, current, change, union):
        """The membership change a row of a registered person asks for (the import's
        one rule: ``changes.decide``), kept for ``write``: [action] or [], None when
        the rule refuses it (the error reported)."""
        try:
            action = changes.decide(current, self.latest.get(current.pk), change, union,
                                    self.file_union)
        except changes.RuleError as error:
            key = error.key if error.key in self.names else (
                "change_type" if "change_type" in self.names else "status")
            self.error(row, key, error)
            return None
        if action is None:
            return []
        self.actions.append((row, current, action))
        return [action]

    def _from_elsewhere(self, row, values, current, change):
        """A person registered at a union outside the user's area: only a 转入 into
        the file's union may name them (a transfer request the releasing side decides);
        their details stay as the other union keeps them."""
        target = self._target_union(row, values)
        if (isinstance(change, changes.Change) and change.kind == Kind.TRANSFER_IN
                and target is not None):
            named = target if target is not self.file_union else None
            actions = self._membership(row, current, change, named)
            if actions:
                self.result.requests += 1
            return None if actions is None else (current, actions)
        self.mark_outside(row)
        self.error(row, "id_number", existing_membership_message(current, self.user))
        return None

    def _check(self, row, member, errors_before, number):
        """The model's own rules (``Member.clean``), reported against the columns."""
        try:
            unknown = ["joined_on"] if member.joined_on is None else []  # (form rows)
            member.full_clean(
                exclude=["union", "employer", "drive", "created_by", *unknown],
                validate_unique=False, validate_constraints=False,
            )
        except ValidationError as error:
            # Cells that failed to parse (and a bad document number, reported by the
            # first pass) are not reported a second time by the model's checks.
            skip = {e.key for e in self.result.errors[errors_before:]}
            self.model_errors(row, error, FIELD_TO_KEY,
                              skip=skip if number else skip | {"id_number"})

    def _opening_events(self, row, member, change):
        """A new member's events, as ``services.enrol`` records them (and
        ``change_status`` after it): ``(kind, date, valid_until)`` rows, not instances,
        so a dry run builds no event at all."""
        try:
            return member, services.opening_events(member, change)
        except services.MembershipError as error:
            self.error(row, "status_date", error)
            return None

    # --- one resolver per column -------------------------------------------------------

    def _id_number(self, row, values):
        """证件类型 and 证件号码: the document type and its number normalised (None when
        it is wrong; the error names what Excel did to it, when that is the cause)."""
        id_type = self.code(row, values, "id_type", ID_TYPES)
        raw = values.get("id_number", "")
        number = None
        if id_type is not None:
            try:
                number = parse_document(id_type or DocumentType.RESIDENT_ID, raw).number
            except ValidationError as error:
                if looks_mangled_by_excel(raw):
                    self.error(row, "id_number", _(
                        "Excel has already turned this ID number into a number (%(value)s) "
                        "and its last digits are lost; it cannot be repaired. Format the "
                        "column as text and type the number again."
                    ) % {"value": cell_text(raw)})
                else:
                    for message in error.messages:
                        self.error(row, "id_number", message)
        return id_type or DocumentType.RESIDENT_ID, number

    def _details(self, row, values, member):
        """The columns that describe the person, set on ``member`` when given."""
        for name in MEMBER_TEXT_FIELDS:
            if name in values:
                setattr(member, name, self.text(values, name))
        for name, allowed in MEMBER_CODE_FIELDS.items():
            value = self.code(row, values, name, allowed, CODE_ALIASES)
            if value:
                setattr(member, name, value)
        for name in ("birth_date", "joined_on"):
            value = self.date(row, values, name)
            if value:
                setattr(member, name, value)
        if "mobile" in values:
            member.mobile = re.sub(r"[\s-]+", "", self.text(values, "mobile"))
        if "card_number" in values:
            member.card_number = re.sub(r"\s+", "", self.text(values, "card_number")) or None
        member_type = self.code(row, values, "member_type", tuple(cols.MEMBER_TYPE_WORDS))
        if member_type:
            member.member_type = cols.MEMBER_TYPE_WORDS[member_type]
        self._categories(row, values, member)

    def _categories(self, row, values, member):
        if "categories" not in values and "is_migrant" not in values:
            return
        chosen = set()
        text = self.text(values, "categories")
        by_name = {name: category for category, name in cols.CATEGORY_NAMES.items()}
        by_name.update(cols.CATEGORY_SYNONYMS)
        for part in filter(None, re.split(r"[、,，;；/\s]+", text)):
            category = by_name.get(part)
            if category is None:
                self.error(row, "categories", _("\"%(value)s\" is not a category; use: %(values)s.")
                           % {"value": part, "values": "、".join(cols.CATEGORY_NAMES.values())})
            else:
                chosen.add(category)
        if "is_migrant" in values and self.boolean(row, values, "is_migrant"):
            chosen.add(Category.MIGRANT_WORKER)
        if "categories" in values:
            for category in Category:
                setattr(member, category.field, category in chosen)
        elif chosen:
            member.is_migrant_worker = True

    def _union(self, row, values, member, current):
        """所属工会 / 工会编码, or when the file has no such cell the file's union
        (``file_union``: picked at upload, or the form's 填表单位). A new member's union
        (``Member.clean`` checks that it takes members); for a registered member the
        union the row names, which only a 转入 may change (``changes.decide``)."""
        named = bool(self.text(values, "union") or self.text(values, "union_code"))
        union = self.resolve_union(row, values, "union", "union_code") if named else None
        if current is not None:
            return union
        union = union if named else self.file_union
        if union is not None:
            member.union = union
        elif not named:
            self.error(row, "union", _("Enter the base union, or pick the union at upload."))
        return union

    def _target_union(self, row, values):
        """The union a 转入 row moves someone to: the one it names, else the file's."""
        if self.text(values, "union") or self.text(values, "union_code"):
            return self.resolve_union(row, values, "union", "union_code")
        return self.file_union

    def _employer(self, row, values, union):
        """工作单位 / 单位信用代码: an employer in the user's area, by credit code or by
        name (among several of that name, the one ``union`` covers)."""
        code = self.identifier(values, "employer_code")
        name = self.text(values, "employer")
        if code:
            employer = self.employers.with_code(code)
            if employer is not None:
                return employer
            self.error(row, "employer_code", _("No employer with this credit code in your "
                                               "area; import the employer first."))
            return None
        if not name:
            return None
        matches = self.employers.named(name)
        if len(matches) > 1 and union is not None:
            matches = [e for e in matches if e.union_id in (union.pk, None)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            self.error(row, "employer", _("Several employers are called \"%(name)s\"; add the "
                                          "employer's credit code.") % {"name": name})
        else:
            self.error(row, "employer", _("No employer \"%(name)s\" in your area; import the "
                                          "employer first or leave the cell empty.")
                       % {"name": name})
        return None

    def _change(self, row, values):
        """The membership change a row records: the form's 会籍变化类型 / 日期 / 原因,
        else our 状态 / 状态变更日期. A ``changes.Change``, ``changes.ACTIVE`` (状态 在册)
        or None (the row says nothing about membership, or a cell was wrong)."""
        if "change_type" in values or "change_date" in values:
            return self._form_change(row, values)
        return self._status(row, values)

    def _form_change(self, row, values):
        kind_word = self.code(row, values, "change_type", cols.CHANGE_TYPES)
        day = self.date(row, values, "change_date")
        if kind_word == "" and day is not None:
            self.error(row, "change_type", _("Enter the type of the change."))
        if not kind_word:
            return None
        if day is None:
            self.error(row, "change_date", _("Enter the date of the change."))
            return None
        kind = changes.TYPE_KINDS[kind_word]
        reason = self.code(row, values, "change_reason", cols.CHANGE_REASONS)
        allowed = MembershipEvent.REASONS.get(kind, ())
        if reason and reason not in allowed:
            self.error(row, "change_reason", _(
                "\"%(reason)s\" is not a reason for %(change)s; use: %(values)s."
            ) % {"reason": reason, "change": kind_word, "values": "、".join(allowed) or "—"})
            return None
        return None if reason is None else changes.Change(kind, day, reason)

    def _status(self, row, values):
        """状态 and 状态变更日期: 在册 (or empty) is a member; 保留, 转出, 除名, 退会 and 死亡
        are a change on 状态变更日期 (required then)."""
        text = re.sub(r"\s+", "", self.text(values, "status"))
        day = self.date(row, values, "status_date")
        if text in ("",) + cols.ACTIVE_WORDS or text == cols.STATUS_EXPORT["active"]:
            return changes.ACTIVE if text else None
        if text not in cols.STATUS_WORDS:
            self.error(row, "status", _("\"%(value)s\" is not a status; use: %(values)s.")
                       % {"value": text, "values": "、".join(cols.column(cols.MEMBERS, "status").codes)})
            return None
        if day is None:
            self.error(row, "status_date", _("Enter the date of the status change."))
            return None
        return changes.Change(Kind(cols.STATUS_WORDS[text]), day)

    def _join_date(self, row, values, member, change):
        """A new member's join date: 入会日期, or the date of the form's 入会. With a
        later change (保留, 转入, 退会…) and no 入会日期 it stays unknown (None): the
        register then starts at that change (``services.opening_events``)."""
        if isinstance(change, changes.Change) and change.kind == Kind.JOIN:
            if member.joined_on and member.joined_on != change.day:
                self.error(row, "joined_on", _("The join date differs from the date of the "
                                               "入会 in 会籍变化日期."))
            member.joined_on = change.day
        elif (member.joined_on is None and "joined_on" not in values  # (a bad date: said)
              and not isinstance(change, changes.Change)):
            self.error(row, "joined_on", _("Enter the join date."))

    def _joined_on(self, row, member, current):
        """入会日期 of a registered member: it changes on the member's page only (an
        unknown one stays unknown: it is not the date of a recorded join)."""
        if current.joined_on is None:
            member.joined_on = None
        elif member.joined_on != current.joined_on:
            self.error(row, "joined_on", _(
                "The register has the join date %(date)s; change it on the member's page."
            ) % {"date": current.joined_on.isoformat()})

    def write(self, plan, writer):
        """Bulk writes: new members, their history rows and events in a few statements
        (``members.spreadsheets.bulk``: COPY on PostgreSQL) instead of ``services.enrol``
        per row (two queries each, plus the history row); the event rows are the ones
        ``services.opening_events`` built, the same as enrol() and change_status() write.
        The updates first: the new members' COPY goes on while the caller builds the
        next chunk."""
        new, updated = plan
        if updated:
            fields = sorted({name for _member, changed in updated for name in changed})
            if "name" in fields:  # its search keys, set by Member.clean, go with it
                fields += ["name_initials", "given_name"]
            bulk_update_with_history(
                [member for member, _changed in updated], Member, fields,
                batch_size=BATCH, default_user=stored_user(self.user),
            )
            if set(fields) & set(COUNTED_FIELDS):  # bulk_update bypasses Member.save
                ids = [member.pk for member, changed in updated if set(changed) & set(COUNTED_FIELDS)]
                for start in range(0, len(ids), BATCH):
                    MembershipEvent.objects.filter(
                        member_id__in=ids[start:start + BATCH]
                    ).copy_member_attributes()
        writer.write(new)
