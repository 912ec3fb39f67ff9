"""The member register (会员实名登记): members, the membership changes that make up
their history (会籍变化), transfers between base unions (会员关系接转) and the enrolment
drives (入会活动) through which migrant workers, truck drivers and couriers join."""

import re
from datetime import date, timedelta

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
        start of a name only: a search that answers "is 4417…0413 registered?" would undo
        the masks (a few hundred guesses recover a masked number), so the role decides
        and every caller must say whose search it is. Every branch is an indexed
        equality or prefix match: no substring scan of the table."""
        text = clean_text(term)
        if not text:
            return self
        if not personal.sees_in_full(user):
            return self.filter(name__startswith=str(term).strip())
        if re.fullmatch(r"\d{15}|\d{17}[\dX]", text):
            try:
                text = parse_document(DocumentType.RESIDENT_ID, text).number
            except ValidationError:
                pass  # a mistyped number still finds nothing rather than an error
            return self.filter(id_number=text)
        if re.fullmatch(r"(\+86)?1[3-9]\d{9}", text):
            return self.filter(mobile=text.removeprefix("+86"))
        stripped = str(term).strip()
        return self.filter(
            Q(card_number=stripped) | Q(id_number=text) | Q(name__startswith=stripped)
        )


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
    joined_on = models.DateField(_("join date"))
    card_number = models.CharField(_("member card number"), max_length=30, null=True, blank=True)
    member_type = models.CharField(
        _("member type"), max_length=12, choices=MemberType.choices, default=MemberType.ORDINARY
    )
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
            models.Index(fields=["mobile"], name="member_mobile_idx"),
            models.Index(fields=["union", "status"], name="member_union_status_idx"),
            models.Index(fields=["id_number"], name="member_id_number_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.masked_id_number}）"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if not adding and (update_fields is None or set(update_fields) & set(COUNTED_FIELDS)):
            # Keep the copies on the member's events in step (MembershipEvent docstring);
            # only events that differ are written, so an ordinary save writes nothing.
            counted = self.counted_attributes()
            MembershipEvent.objects.filter(member_id=self.pk).exclude(**counted).update(**counted)

    def counted_attributes(self):
        return {name: getattr(self, name) for name in COUNTED_FIELDS}

    MINIMUM_AGE = 16  # the legal working age; younger people cannot join a union

    def clean(self):
        """The register's rules for one member: shared by the admin, the entry page and
        the import (which calls ``full_clean``). The document number is normalised
        (15 → 18 digits, full-width, lower-case x); birth date and gender are taken from
        it when empty and must agree with it when given."""
        errors = {}
        if self.union_id and not self.union.takes_members:
            errors["union"] = gettext("Members belong to a base union or an industry federation, "
                                "not to %(union)s.") % {"union": self.union}
        try:
            document = parse_document(self.id_type, self.id_number)
        except ValidationError as error:
            errors["id_number"] = error.messages
            document = None
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
        if not self.gender and "gender" not in errors:
            errors["gender"] = gettext("Enter the gender.")
        if self.mobile:
            try:
                self.mobile = normalize_mobile(self.mobile)
            except ValidationError as error:
                errors["mobile"] = error.messages
        if self.card_number is not None:
            self.card_number = self.card_number.strip() or None
        if self.joined_on:
            if self.joined_on > date.today():
                errors["joined_on"] = gettext("The join date lies in the future.")
            elif self.birth_date and _age_on(self.birth_date, self.joined_on) < self.MINIMUM_AGE:
                errors["joined_on"] = gettext(
                    "The member was under %(age)d on the join date."
                ) % {"age": self.MINIMUM_AGE}
        if self.union_id and self.employer_id:
            employer_union_id = self.employer.union_id
            if employer_union_id and employer_union_id != self.union_id:
                errors["employer"] = gettext(
                    "%(employer)s is covered by %(union)s, not by the member's union."
                ) % {"employer": self.employer, "union": self.employer.union}
        if errors:
            raise ValidationError(errors)

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


class MembershipEventQuerySet(ScopedQuerySet):
    # A member's whole history is seen by whoever sees the member now.
    scope_path = "member__union__path"

    def in_effect_on(self, day):
        """The event that describes each member's state on ``day``: the latest event on or
        before it. Every event knows when the next one replaced it (``valid_until``), so
        this is a plain range filter rather than a per-member subquery."""
        return self.filter(self.in_effect_q(day))

    def members_on(self, day):
        return self.filter(self.members_on_q(day))

    @staticmethod
    def in_effect_q(day):
        return Q(date__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gt=day))

    @staticmethod
    def members_on_q(day):
        """``members_on`` as a Q, for conditional aggregates."""
        return MembershipEventQuerySet.in_effect_q(day) & Q(kind__in=MembershipEvent.MEMBER_KINDS)

    def copy_member_attributes(self):
        """Set-based repair of the copied member attributes of these events: after a
        bulk update of members that bypassed ``Member.save`` (``QuerySet.update``,
        ``bulk_update``). Writes only the events that differ; returns their number."""
        member = Member.objects.filter(pk=models.OuterRef("member_id"))
        stale = Q()
        for name in COUNTED_FIELDS:
            stale |= ~Q(**{name: models.F(f"member__{name}")})
        return self.filter(stale).update(
            **{name: models.Subquery(member.values(name)[:1]) for name in COUNTED_FIELDS}
        )


class MembershipEvent(models.Model):
    """A dated change of membership (会籍变化) at one union: 入会, 转入, 保留, 转出, 除名,
    退会 (the register's list) and death. The member's state on any day is the latest
    event on or before it; ``valid_until`` is the date of the member's next event, set
    when that event is recorded, so "members on 2018-10-31" is one range query.

    The event also carries a copy of the member's counted attributes (``gender`` and the
    category flags, ``COUNTED_FIELDS``), so the statistics count women, migrant workers,
    truck drivers… among a million members without joining the member table. The copy
    always equals the member's current values (like the statistics before the copy, a
    past day counts today's attributes). Who keeps it in step:

    * ``save()`` of a new event copies them from its member (``services`` records every
      change this way);
    * ``Member.save()`` rewrites them on the member's events when they changed;
    * writers that bypass ``save()`` — ``bulk_create``, COPY (the import's
      ``members.spreadsheets.bulk``, the demo generator ``members.demo``), and
      ``QuerySet.update``/``bulk_update`` of members (the import's updates) — write the
      values themselves or call ``copy_member_attributes()`` on the events afterwards.
    """

    class Kind(models.TextChoices):
        JOIN = "join", _("Joined")
        TRANSFER_IN = "transfer_in", _("Transferred in")
        RETAIN = "retain", _("Membership retained")
        TRANSFER_OUT = "transfer_out", _("Transferred out")
        STRIKE_OFF = "strike_off", _("Struck off")
        LEAVE = "leave", _("Left")
        DEATH = "death", _("Deceased")

    # After these the person is a member (retained members counted apart).
    MEMBER_KINDS = (Kind.JOIN, Kind.TRANSFER_IN, Kind.RETAIN)
    # The register's 会籍变化类型 for each kind (death is recorded as leaving there).
    REGISTER_TYPE = {
        Kind.JOIN: "入会", Kind.TRANSFER_IN: "转入", Kind.RETAIN: "保留",
        Kind.TRANSFER_OUT: "转出", Kind.STRIKE_OFF: "除名", Kind.LEAVE: "退会", Kind.DEATH: "退会",
    }

    member = models.ForeignKey(
        Member, models.CASCADE, related_name="events", verbose_name=_("member")
    )
    kind = models.CharField(_("change"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    # No index of its own: event_union_date_idx starts with the union.
    union = models.ForeignKey(
        Organization, models.PROTECT, related_name="membership_events", verbose_name=_("union"),
        db_index=False,
    )
    counterpart = models.ForeignKey(
        Organization, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("transferred from / to"),
    )
    reason = models.CharField(
        _("reason"), max_length=30, blank=True, choices=codes.choices(codes.CHANGE_REASON)
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # The member's counted attributes (COUNTED_FIELDS), copied: see the docstring.
    gender = models.CharField(_("gender"), max_length=1, blank=True, editable=False)
    is_migrant_worker = models.BooleanField(
        Category.MIGRANT_WORKER.label, default=False, editable=False)
    is_truck_driver = models.BooleanField(Category.TRUCK_DRIVER.label, default=False, editable=False)
    is_courier = models.BooleanField(Category.COURIER.label, default=False, editable=False)
    is_delivery_rider = models.BooleanField(
        Category.DELIVERY_RIDER.label, default=False, editable=False)
    is_ride_hailing_driver = models.BooleanField(
        Category.RIDE_HAILING_DRIVER.label, default=False, editable=False)
    is_construction_worker = models.BooleanField(
        Category.CONSTRUCTION_WORKER.label, default=False, editable=False)

    objects = MembershipEventQuerySet.as_manager()

    class Meta:
        ordering = ["member", "date", "id"]
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")
        indexes = [
            # Also the statistics' new members (the joins in a period, per union) read
            # from this index alone: kind and union included.
            models.Index(
                fields=["date", "valid_until"], name="event_validity_idx",
                include=["kind", "union"],
            ),
            # A statistic on a day within a month takes away from the last month end's
            # tallies the members whose event ended in between: few events ever end.
            models.Index(
                fields=["valid_until"], name="event_closed_idx",
                condition=Q(valid_until__isnull=False), include=["date", "kind", "union"],
            ),
            # A town's statistics read its unions' events from this index alone (an
            # index-only scan on PostgreSQL: what they count is included).
            models.Index(
                fields=["union", "date"], name="event_union_date_idx",
                include=["valid_until", "kind", *COUNTED_FIELDS],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("date")),
                name="event_valid_until_after_date",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            for name, value in self.member.counted_attributes().items():
                setattr(self, name, value)
        super().save(*args, **kwargs)

    @property
    def register_type(self):
        return self.REGISTER_TYPE[self.kind]


class MembershipTally(models.Model):
    """A union's member figures at a month end, stored so that statistics read one row
    per union instead of its events (a city has over a million). Counted from the events
    exactly as a live statistic counts them (``members.statistics``), the first time a
    statistic asks for that union and month end; a day within a month reads the last
    month end's tallies and the events since.

    A tally is deleted whenever an event of its union dated on or before its month end
    is written, changed or deleted, by database triggers on the event table (migration
    0008): every writer goes through them — ``save()``, ``bulk_create``, COPY, updates
    of the copied member attributes, cascading deletes — so no write path can leave a
    stale tally behind. The next statistic recounts only the unions whose tallies are
    gone. (On SQLite a migration that rebuilds the event table drops its triggers: such
    a migration must create them again; tests/test_tallies.py fails if they are gone.)
    """

    union = models.ForeignKey(Organization, models.CASCADE, related_name="+", db_index=False)
    month_end = models.DateField()
    members = models.PositiveIntegerField(default=0)
    women_members = models.PositiveIntegerField(default=0)
    migrant_members = models.PositiveIntegerField(default=0)
    retained_members = models.PositiveIntegerField(default=0)
    truck_driver_members = models.PositiveIntegerField(default=0)
    courier_members = models.PositiveIntegerField(default=0)
    delivery_rider_members = models.PositiveIntegerField(default=0)
    ride_hailing_driver_members = models.PositiveIntegerField(default=0)
    construction_worker_members = models.PositiveIntegerField(default=0)
    # Everyone who ever joined this union on or before the month end: new members in a
    # period are the difference of two tallies.
    joined = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index below the city, where each union reads its own row, and the
            # one the triggers delete a union's later tallies through.
            models.UniqueConstraint(fields=["union", "month_end"], name="tally_union_month_uniq"),
        ]
        indexes = [
            # The city reads one month end's tallies of every union.
            models.Index(fields=["month_end"], name="tally_month_idx"),
        ]

    def __str__(self):
        return f"{self.union_id} {self.month_end}"


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Both sides of a transfer see it: the releasing and the receiving union."""
        from organizations.access import scope_filter

        return self.filter(
            scope_filter(user, "from_union__path") | scope_filter(user, "to_union__path")
        )


class Transfer(models.Model):
    """A move of a member to another base union (会员关系接转). When both unions lie in
    the requester's subtree it takes effect at once; otherwise the receiving side sees a
    pending request and accepts or rejects it, and until then the member still counts
    where they were."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    member = models.ForeignKey(
        Member, models.CASCADE, related_name="transfers", verbose_name=_("member")
    )
    from_union = models.ForeignKey(
        Organization, models.PROTECT, related_name="transfers_out", verbose_name=_("from union")
    )
    to_union = models.ForeignKey(
        Organization, models.PROTECT, related_name="transfers_in", verbose_name=_("to union"),
        limit_choices_to={"kind__in": Organization.MEMBER_KINDS},
    )
    date = models.DateField(_("transfer date"))
    reason = models.CharField(
        _("reason"), max_length=30, blank=True, choices=codes.choices(codes.CHANGE_REASON)
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = TransferQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("membership transfer")
        verbose_name_plural = _("membership transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(state="pending"),
                name="transfer_one_pending_per_member",
            ),
        ]

    def __str__(self):
        return f"{self.member.name}: {self.from_union} → {self.to_union}"


class EnrolmentDriveQuerySet(ScopedQuerySet):
    scope_path = "organizer__path"


class EnrolmentDrive(models.Model):
    """An enrolment drive (入会活动): on a construction site, in an industrial park, in
    the fields in the slack season, at an express-delivery depot… Members entered at the
    drive point to it, so progress against the target is counted, never typed."""

    class Kind(models.TextChoices):
        CONSTRUCTION_SITE = "construction_site", _("Construction site")
        INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
        FIELDS = "fields", _("In the fields / slack farming season")
        DELIVERY_DEPOT = "delivery_depot", _("Express-delivery depot")
        ONLINE = "online", _("Online")
        OTHER = "other", _("Other")

    name = models.CharField(_("drive name"), max_length=100)
    organizer = models.ForeignKey(
        Organization, models.PROTECT, related_name="drives", verbose_name=_("organising union")
    )
    default_union = models.ForeignKey(
        Organization, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("union new members join"),
        limit_choices_to={"kind__in": Organization.MEMBER_KINDS},
        help_text=_("Preset on the entry page; usually a joint union or an industry federation."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=150, blank=True)
    target_group = models.CharField(
        _("target group"), max_length=20, choices=Category.choices, blank=True
    )
    target_count = models.PositiveIntegerField(_("target head count"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    objects = EnrolmentDriveQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("enrolment drive")
        verbose_name_plural = _("enrolment drives")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="drive_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


class ExportLog(models.Model):
    """Who exported personal data, when, with which filter and how many rows: exports of
    members leave the system, so the federation must be able to say who took what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("exported at"), default=timezone.now)
    kind = models.CharField(_("list"), max_length=20)
    file_format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    masked = models.BooleanField(_("personal data masked"), default=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.kind} ({self.rows})"


class PersonalDataReadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Union administrators read the reads of their subtree's members (by the
        member's union today); superusers all of them."""
        from organizations.access import can, scope_filter

        if not can(user, "manage_users"):
            return self.none()
        return self.filter(scope_filter(user, "member__union__path"))

    def expired(self, now=None):
        days = settings.PERSONAL_DATA_READ_RETENTION_DAYS
        return self.filter(at__lt=(now or timezone.now()) - timedelta(days=days))


class PersonalDataRead(models.Model):
    """One page that showed a member's full personal data (ID and mobile numbers, birth
    date, addresses) to a user: who, when, which member, on which page. Lists and
    masked pages write nothing; exports have their own log (``ExportLog``). Kept for
    ``PERSONAL_DATA_READ_RETENTION_DAYS`` days: each write deletes what has expired, and
    ``manage.py prune_read_log`` does the same for a register nobody opens."""

    class Page(models.TextChoices):
        MEMBER_PAGE = "member_page", _("Member page")
        ADMIN_CHANGE = "admin_change", _("Admin change page")
        ADMIN_VERSION = "admin_version", _("Admin history version")
        DRIVE_ENTRY = "drive_entry", _("Enrolment drive correction")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("read at"), default=timezone.now, db_index=True)
    # Kept when the member is deleted (then only superusers see the entry).
    member = models.ForeignKey(
        Member, models.SET_NULL, null=True, related_name="+", verbose_name=_("member"),
    )
    page = models.CharField(_("page"), max_length=20, choices=Page.choices)

    objects = PersonalDataReadQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data read")
        verbose_name_plural = _("personal data reads")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.member_id}"

    @classmethod
    def record(cls, user, member, page):
        """Log that ``user`` was just shown ``member``'s full personal data, if the
        policy lets them see it in full (otherwise the page showed masks: nothing to
        log). Expired entries go at the same time: one indexed delete."""
        if not personal.sees_in_full(user):
            return None
        cls.objects.expired().delete()
        return cls.objects.create(
            user=user if user.is_authenticated else None, member=member, page=page
        )


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A background export belongs to the person who started it."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ExportJob(models.Model):
    """A large export running in the background worker (``manage.py db_worker``): the
    page polls ``done_rows`` and offers the file when ``state`` is done."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    kind = models.CharField(_("list"), max_length=20)
    file_format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows written"), default=0)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} ({self.get_state_display()})"
