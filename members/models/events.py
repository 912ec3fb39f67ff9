"""A member's history: the dated membership changes (会籍变化), the month-end tallies
statistics read from them, and transfers between unions (会员关系接转)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models.register import COUNTED_FIELDS, Category, Member
from organizations import codes
from organizations.models import Organization, ScopedQuerySet


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
    # Which official 会籍变化原因 (register_code_lists.csv) go with which change: the one
    # table the member page, batch changes and imports check a reason against. A change
    # without reasons here takes none (a join, a death).
    REASONS = {
        Kind.RETAIN: ("在本单位下岗后待岗", "失业", "所在企业破产"),
        Kind.TRANSFER_IN: ("劳动（工作）关系发生变化",),
        Kind.TRANSFER_OUT: ("劳动（工作）关系发生变化",),
        Kind.STRIKE_OFF: ("因犯罪被开除会籍",),
        Kind.LEAVE: ("个人要求退会",),
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


# The advisory lock between event writers (the triggers of migration 0008 take it
# shared) and the counting of tallies (``members.statistics.tallies``, exclusive).
TALLY_LOCK = 7_246_001
# The advisory lock every writer of what the dashboard and campaign figures count holds
# (shared, taken by the triggers of migration 0015) until it commits: the figure cache
# (``members.statistics.cache``) stores nothing while one is in flight.
FIGURES_LOCK = 7_246_002
# What counts as such a writer: a write to any of these tables (app label, model name)
# changes the figures, and bumps the figures' version (migration 0015).
FIGURE_TABLES = (
    ("members", "MembershipEvent"), ("members", "Member"), ("members", "EnrolmentDrive"),
    ("organizations", "Organization"), ("organizations", "Employer"),
    ("organizations", "Division"), ("organizations", "CampaignTarget"),
    ("organizations", "DemonstrationSite"),
)


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
