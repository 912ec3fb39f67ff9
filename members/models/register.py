"""The register itself: a member (one person, one membership) and the categories
(农民工, 货车司机, …) the figures count apart."""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.identity import (
    DocumentType, clean_text, normalize_mobile, parse_document,
)
from members.models.names import is_initials_term, name_keys
from organizations import codes, personal
from organizations.models import Employer, Organization, ScopedQuerySet


class Category(models.TextChoices):
    """Groups the federation counts and recruits; a member may belong to several.
    Each is a boolean column on Member (``FIELD``), so statistics count all of them in
    one aggregate query."""

    MIGRANT_WORKER = "migrant_worker", _("Migrant worker")
    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    COURIER = "courier", _("Courier")
    DELIVERY_RIDER = "delivery_rider", _("Food-delivery rider")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", _("Ride-hailing driver")
    CONSTRUCTION_WORKER = "construction_worker", _("Construction worker")

    @property
    def field(self):
        return f"is_{self.value}"


# The member attributes the statistics count by. MembershipEvent carries a copy of them
# (see its docstring), so counting members on a day needs no join to the member table.
COUNTED_FIELDS = ("gender",) + tuple(category.field for category in Category)


class MemberQuerySet(ScopedQuerySet):
    scope_path = "union__path"

    def current(self):
        """People who are members today (active or retained)."""
        return self.filter(status__in=Member.MEMBER_STATUSES)

    def search(self, term, user):
        """The register's search box (list page, admin and exports' ``q`` alike). For a
        user who sees personal data in full: an ID-like term matches the normalised
        document number exactly, an 11-digit term the mobile, anything else a card number
        or other document number exactly, or the start of a name. For everyone else the
        start of a name (or of its given name or pinyin initials, ``name_q``) only: a search that answers "is 4417…0413 registered?" would undo
        the masks (a few hundred guesses recover a masked number), so the role decides
        and every caller must say whose search it is. Every branch is an indexed
        equality or prefix match: no substring scan of the table."""
        text = clean_text(term)
        if not text:
            return self
        if not personal.sees_in_full(user):
            return self.filter(self.name_q(str(term).strip()))
        if re.fullmatch(r"\d{15}|\d{17}[\dX]", text):
            try:
                text = parse_document(DocumentType.RESIDENT_ID, text).number
            except ValidationError:
                pass  # a mistyped number still finds nothing rather than an error
            return self.filter(id_number=text)
        if re.fullmatch(r"(\+86)?1[3-9]\d{9}", text):
            return self.filter(mobile=text.removeprefix("+86"))
        stripped = str(term).strip()
        return self.filter(Q(card_number=stripped) | Q(id_number=text) | self.name_q(stripped))

    @staticmethod
    def name_q(term):
        """A name as clerks type it: the start of the full name (陈秀), of the given name
        without the surname (秀英), or of the pinyin initials (``cxy``): three indexed
        prefix matches on columns kept by ``Member.save`` (``members.models.names``)."""
        if is_initials_term(term):
            return Q(name_initials__startswith=term.lower()) | Q(name__startswith=term)
        if "\u4e00" <= term[:1] <= "\u9fff":  # a given name starts with a Chinese character
            return Q(name__startswith=term) | Q(given_name__startswith=term)
        return Q(name__startswith=term)


class Member(models.Model):
    """One person on the register. The resident ID number is the key of the national
    real-name register: one person, one membership, enforced by a unique constraint.

    ``union``, ``status``, ``joined_on`` and ``left_on`` are the member's state today,
    kept in step with the latest ``MembershipEvent`` by ``members.services`` — the events
    are the history, these columns make today's lists fast."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETAINED = "retained", _("Retained (retired or out of work)")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        STRUCK_OFF = "struck_off", _("Struck off")
        LEFT = "left", _("Left")
        DECEASED = "deceased", _("Deceased")

    class MemberType(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary member")
        PROBATIONARY = "probationary", _("Probationary member")

    MEMBER_STATUSES = (Status.ACTIVE, Status.RETAINED)
    # The personal fields and how each is masked (organizations.personal.MASKS): every
    # page, admin page, export and log shows them through that policy.
    PERSONAL_FIELDS = {
        "id_number": "document",
        "mobile": "mobile",
        "birth_date": "birth_date",
        "native_place": "place",
        "household_place": "place",
    }

    name = models.CharField(_("name"), max_length=50)
    # The search keys of the name (members.models.names), kept by save() and by every
    # bulk writer: never typed in.
    name_initials = models.CharField(_("name initials"), max_length=20, blank=True,
                                     editable=False, default="")
    given_name = models.CharField(_("given name"), max_length=50, blank=True, editable=False,
                                  default="")
    # Blank in forms: Member.clean takes it from the ID number when it is not entered.
    gender = models.CharField(
        _("gender"), max_length=1, blank=True, choices=codes.choices(codes.GENDER)
    )
    ethnicity = models.CharField(
        _("ethnicity"), max_length=10, choices=codes.choices(codes.ETHNICITY), default="汉族"
    )
    id_type = models.CharField(
        _("document type"), max_length=20, choices=DocumentType.CHOICES,
        default=DocumentType.RESIDENT_ID,
    )
    id_number = models.CharField(_("document number"), max_length=20)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    native_place = models.CharField(_("native place"), max_length=50, blank=True)
    household_place = models.CharField(_("household registration place"), max_length=100, blank=True)
    household_type = models.CharField(
        _("household registration type"), max_length=10, blank=True,
        choices=codes.choices(codes.HOUSEHOLD_TYPE),
    )
    education = models.CharField(
        _("education"), max_length=10, blank=True, choices=codes.choices(codes.EDUCATION)
    )
    political_status = models.CharField(
        _("political status"), max_length=10, blank=True,
        choices=codes.choices(codes.POLITICAL_STATUS),
    )
    employment_status = models.CharField(
        _("employment status"), max_length=10, blank=True, default="在岗",
        choices=codes.choices(codes.EMPLOYMENT),
    )
    skill_grade = models.CharField(
        _("skill grade"), max_length=20, blank=True, choices=codes.choices(codes.SKILL_GRADE)
    )
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    employer = models.ForeignKey(
        Employer, models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("employer"),
    )
    # No index of its own: member_union_status_idx starts with the union.
    union = models.ForeignKey(
        Organization, models.PROTECT, related_name="members", verbose_name=_("base union"),
        limit_choices_to={"kind__in": Organization.MEMBER_KINDS},
        db_index=False,
    )
    # Null only for people imported from a provincial form (会员信息采集表) that gives
    # their latest change (保留, 转入, 退会…) and no join date: unknown, shown so. Forms
    # still require it (blank=False).
    joined_on = models.DateField(_("join date"), null=True)
    card_number = models.CharField(_("member card number"), max_length=30, null=True, blank=True)
    member_type = models.CharField(
        _("member type"), max_length=12, choices=MemberType.choices, default=MemberType.ORDINARY
    )
    # When a probationary member became an ordinary one (预备 → 正式), through
    # services.make_ordinary; empty for members who joined as ordinary members.
    ordinary_since = models.DateField(_("ordinary member since"), null=True, blank=True,
                                      editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    left_on = models.DateField(_("date left"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=100, blank=True)
    is_migrant_worker = models.BooleanField(Category.MIGRANT_WORKER.label, default=False)
    is_truck_driver = models.BooleanField(Category.TRUCK_DRIVER.label, default=False)
    is_courier = models.BooleanField(Category.COURIER.label, default=False)
    is_delivery_rider = models.BooleanField(Category.DELIVERY_RIDER.label, default=False)
    is_ride_hailing_driver = models.BooleanField(Category.RIDE_HAILING_DRIVER.label, default=False)
    is_construction_worker = models.BooleanField(Category.CONSTRUCTION_WORKER.label, default=False)
    drive = models.ForeignKey(
        "EnrolmentDrive", models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("enrolment drive"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("entered by"),
    )

    objects = MemberQuerySet.as_manager()
    # History is read one member at a time (by id): indexes on the other columns of
    # every past version would only slow each write (an import writes 100,000).
    history = HistoricalRecords(no_db_index=["union", "employer", "drive", "created_by"])

    class Meta:
        ordering = ["-id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="member_unique_document"),
            models.UniqueConstraint(fields=["card_number"], name="member_unique_card_number"),
        ]
        indexes = [
            models.Index(fields=["name"], name="member_name_idx"),
            # The search box matches the start of a name (LIKE '王%'); on PostgreSQL only a
            # pattern-ops index serves that whatever the collation.
            models.Index(
                fields=["name"], name="member_name_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            # The name search's pinyin initials (cxy → 陈秀英) and given name (秀英).
            models.Index(fields=["name_initials"], name="member_initials_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["given_name"], name="member_given_name_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["mobile"], name="member_mobile_idx"),
            models.Index(fields=["union", "status"], name="member_union_status_idx"),
            models.Index(fields=["id_number"], name="member_id_number_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.masked_id_number}）"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        update_fields = kwargs.get("update_fields")
        self.name_initials, self.given_name = name_keys(self.name)
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials", "given_name"}
        super().save(*args, **kwargs)
        if not adding and (update_fields is None or set(update_fields) & set(COUNTED_FIELDS)):
            # Keep the copies on the member's events in step (MembershipEvent docstring);
            # only events that differ are written, so an ordinary save writes nothing.
            counted = self.counted_attributes()
            self.events.exclude(**counted).update(**counted)

    def counted_attributes(self):
        return {name: getattr(self, name) for name in COUNTED_FIELDS}

    MINIMUM_AGE = 16  # the legal working age; younger people cannot join a union

    def clean(self):
        """The register's rules for one member: shared by the admin, the entry page and
        the import (which calls ``full_clean``). The document number is normalised
        (15 → 18 digits, full-width, lower-case x); birth date and gender are taken from
        it when empty and must agree with it when given."""
        errors = {}
        # The name's search keys, for writers that copy the values rather than save().
        self.name_initials, self.given_name = name_keys(self.name)
        if self.union_id and not self.union.takes_members:
            errors["union"] = gettext("Members belong to a base union or an industry federation, "
                                "not to %(union)s.") % {"union": self.union}
        document = None
        try:
            # An empty number is the field's own error ("enter the number"), said once.
            if self.id_number:
                document = parse_document(self.id_type, self.id_number)
        except ValidationError as error:
            errors["id_number"] = error.messages
        if document is not None:
            self.id_number = document.number
            if document.birth_date:
                if self.birth_date is None:
                    self.birth_date = document.birth_date
                elif self.birth_date != document.birth_date:
                    errors["birth_date"] = gettext(
                        "The ID number gives the birth date %(date)s."
                    ) % {"date": document.birth_date.isoformat()}
            if document.gender:
                if not self.gender:
                    self.gender = document.gender
                elif self.gender != document.gender:
                    errors["gender"] = gettext("The ID number says the gender is %(gender)s.") % {
                        "gender": document.gender
                    }
        # A number missing or failing its check says nothing about the gender yet: one
        # error (on the number), not a second one on a field a valid number fills.
        if document is not None and not self.gender and "gender" not in errors:
            errors["gender"] = gettext("Enter the gender.")
        if self.mobile:
            try:
                self.mobile = normalize_mobile(self.mobile)
            except ValidationError as error:
                errors["mobile"] = error.messages
        if self.card_number is not None:
            self.card_number = self.card_number.strip() or None
        self._check_dates(errors)
        if self.union_id and self.employer_id:
            employer_union_id = self.employer.union_id
            if employer_union_id and employer_union_id != self.union_id:
                errors["employer"] = gettext(
                    "%(employer)s is covered by %(union)s, not by the member's union."
                ) % {"employer": self.employer, "union": self.employer.union}
        if errors:
            raise ValidationError(errors)

    def _check_dates(self, errors):
        """Birth and join dates: neither in the future, and 16 or older on joining. A
        birth date in the future is the birth date's error, not also the join date's
        (未满 16 周岁)."""
        today = date.today()
        born_later = self.birth_date is not None and self.birth_date > today
        if born_later and "birth_date" not in errors:
            errors["birth_date"] = gettext("The birth date lies in the future.")
        if not self.joined_on:
            return
        if self.joined_on > today:
            errors["joined_on"] = gettext("The join date lies in the future.")
        elif (self.birth_date and not born_later
              and _age_on(self.birth_date, self.joined_on) < self.MINIMUM_AGE):
            errors["joined_on"] = gettext(
                "The member was under %(age)d on the join date."
            ) % {"age": self.MINIMUM_AGE}

    def masked(self, name):
        """Field ``name`` as lists show it to every role (organizations.personal)."""
        return personal.masked_value(self.PERSONAL_FIELDS, name, getattr(self, name))

    def shown_to(self, user):
        """Each personal field as ``user`` may see it on this member's own page."""
        show = personal.presenters(user, self.PERSONAL_FIELDS)
        shown = {name: show[name](getattr(self, name)) for name in self.PERSONAL_FIELDS}
        return {name: value.isoformat() if isinstance(value, date) else value
                for name, value in shown.items()}

    @property
    def masked_id_number(self):
        return self.masked("id_number")

    @property
    def masked_mobile(self):
        return self.masked("mobile")

    @property
    def categories(self):
        return [category for category in Category if getattr(self, category.field)]

    @property
    def is_member(self):
        return self.status in self.MEMBER_STATUSES


def _age_on(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
