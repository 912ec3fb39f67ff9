"""Every 会籍变化 a clerk records for one member, through one entry (``record_change``):
the member page, the batch changes and the applications all call it, so a change is
checked the same way wherever it comes from — its reason against the official table
(``MembershipEvent.REASONS``), its date against the member's history and today.

What each change does to the figures is in the README ("A member's life").
"""

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from members import services
from members.models import Member, MembershipEvent
from organizations.access import organization_in_scope

Kind = MembershipEvent.Kind


class ChangeKind(models.TextChoices):
    """What a clerk can record, in the register's own words. ``RETURN`` and ``REJOIN``
    are recorded as the register's 转入 and 入会 events; ``TRANSFER`` as 转出 + 转入."""

    RETAIN = "retain", gettext_lazy("保留 (out of work, retired: still a member)")
    RETURN = "return", gettext_lazy("转入 (a retained member works again)")
    TRANSFER = "transfer", gettext_lazy("转出 to another union")
    STRIKE_OFF = "strike_off", gettext_lazy("除名 (struck off)")
    LEAVE = "leave", gettext_lazy("退会 (left)")
    DEATH = "death", gettext_lazy("Death")
    REJOIN = "rejoin", gettext_lazy("入会 again (joins after leaving)")


# The event kind whose official reasons each change takes (MembershipEvent.REASONS).
EVENT_OF = {
    ChangeKind.RETAIN: Kind.RETAIN, ChangeKind.RETURN: Kind.TRANSFER_IN,
    ChangeKind.TRANSFER: Kind.TRANSFER_OUT, ChangeKind.STRIKE_OFF: Kind.STRIKE_OFF,
    ChangeKind.LEAVE: Kind.LEAVE, ChangeKind.DEATH: Kind.DEATH, ChangeKind.REJOIN: Kind.JOIN,
}
# The changes that name a union (the receiving one, or the one rejoined).
WITH_UNION = (ChangeKind.RETURN, ChangeKind.TRANSFER, ChangeKind.REJOIN)


def page_changes(member):
    """The changes a member in this state can take, for the member page's choice."""
    if member.status == Member.Status.ACTIVE:
        return [ChangeKind.RETAIN, ChangeKind.TRANSFER, ChangeKind.STRIKE_OFF,
                ChangeKind.LEAVE, ChangeKind.DEATH]
    if member.status == Member.Status.RETAINED:
        return [ChangeKind.RETURN, ChangeKind.TRANSFER, ChangeKind.STRIKE_OFF,
                ChangeKind.LEAVE, ChangeKind.DEATH]
    if member.status == Member.Status.DECEASED:
        return []
    return [ChangeKind.REJOIN]


PAGE_CHANGES = page_changes


def reasons_for(change):
    """The official reasons ``change`` takes (none for a death or a join)."""
    return MembershipEvent.REASONS.get(EVENT_OF[ChangeKind(change)], ())


def reason_problem(change, reason):
    """Why ``reason`` cannot go with ``change``, or None: a reason given must be one of
    the change's official reasons. (The forms ask for one where the table lists any; a
    record without one — an old roster's — is still a change of that type.)"""
    if not reason:
        return None
    allowed = reasons_for(change)
    if not allowed:
        return _("This change takes no reason.")
    if reason not in allowed:
        return _("The reason must be one of: %(reasons)s.") % {"reasons": "、".join(allowed)}
    return None


def _date_problem(day):
    if day > timezone.localdate():
        return _("The date lies in the future.")
    return None


def _union_problem(union, user):
    if union is None:
        return _("Choose the union.")
    if not union.takes_members:
        return _("Members belong to a base union or an industry federation.")
    if user is not None and not organization_in_scope(user, union):
        return _("%(union)s is outside your area.") % {"union": union}
    return None


def record_change(member, change, day, *, user, reason="", note="", union=None,
                  employer=None):
    """Record ``change`` (a ``ChangeKind``) for ``member`` on ``day``: the one entry of
    the member page and the batch changes. Raises ``MembershipError`` with the clerk's
    message when the change, its reason, date or union does not fit. Returns the member
    (or, for a transfer, the ``Transfer``)."""
    change = ChangeKind(change)
    if change == ChangeKind.REJOIN:
        union = union or member.union  # back to the union they left, unless named
    problem = reason_problem(change, reason) or _date_problem(day)
    if problem is None and change in (ChangeKind.RETURN, ChangeKind.REJOIN):
        problem = _union_problem(union, user)
    if problem:
        raise services.MembershipError(problem)
    if change == ChangeKind.RETURN:
        return return_to_work(member, union, day, user=user, employer=employer,
                              reason=reason, note=note)
    if change == ChangeKind.REJOIN:
        return rejoin(member, day, user=user, union=union, note=note)
    if change == ChangeKind.TRANSFER:
        if union is None:
            raise services.MembershipError(_("Choose the union."))
        if member.transfers.filter(state="pending").exists():
            raise services.MembershipError(
                _("%(name)s already has a transfer awaiting acceptance.") % {"name": member.name})
        return services.request_transfer(member, union, day, user=user, reason=reason)
    return services.change_status(member, EVENT_OF[change], day, user=user, reason=reason,
                                  note=note)


@transaction.atomic
def return_to_work(member, union, day, *, user, employer=None, reason="", note=""):
    """A retained (保留) member works again: 转入 into the union of the new — or the old —
    workplace. From that day they count as a working member there, not apart."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.RETAINED:
        raise services.MembershipError(
            _("%(name)s is not a retained member.") % {"name": member.name})
    if employer is not None and employer.union_id != union.pk:
        raise services.MembershipError(
            _("%(employer)s is not covered by %(union)s.") % {"employer": employer,
                                                               "union": union})
    counterpart = member.union if member.union_id != union.pk else None
    services._record(member, Kind.TRANSFER_IN, day, union, user=user, reason=reason,
                     note=note, counterpart=counterpart)
    if counterpart is not None or employer is not None:
        member.employer = employer
    member.union = union
    member.employment_status = "在岗"
    services._apply_state(member, Kind.TRANSFER_IN, day)
    services._save(member, user, update_fields=[
        "union", "employer", "employment_status", "status", "left_on", "leave_reason"])
    return member


@transaction.atomic
def rejoin(member, day, *, user, union=None, note="", drive=None):
    """A person who left (退会, 除名, 转出 elsewhere) joins again: a new 入会 for the same
    person — the same member row and history, a new join event. They count once on any
    day (one event is in effect) and as a new member in the period of the rejoin."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_member:
        raise services.MembershipError(_("%(name)s is already a member.") % {"name": member.name})
    if member.status == Member.Status.DECEASED:
        raise services.MembershipError(_("%(name)s is recorded as deceased.") % {"name": member.name})
    union = union or member.union
    problem = _union_problem(union, user)
    if problem:
        raise services.MembershipError(problem)
    services._record(member, Kind.JOIN, day, union, user=user, note=note)
    if union.pk != member.union_id:
        member.employer = None  # the old employer belongs to the old union's register
    member.union = union
    member.joined_on = day
    if drive is not None:
        member.drive = drive
    services._apply_state(member, Kind.JOIN, day)
    services._save(member, user, update_fields=[
        "union", "employer", "joined_on", "drive", "status", "left_on", "leave_reason"])
    return member


@transaction.atomic
def make_ordinary(member, day, *, user):
    """A probationary member (预备会员) becomes an ordinary one (正式会员) on ``day``;
    the member's history table records who did it."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.member_type != Member.MemberType.PROBATIONARY:
        raise services.MembershipError(
            _("%(name)s is not a probationary member.") % {"name": member.name})
    problem = _date_problem(day)
    if problem is None and day < member.joined_on:
        problem = _("The date lies before the join date.")
    if problem:
        raise services.MembershipError(problem)
    member.member_type = Member.MemberType.ORDINARY
    member.ordinary_since = day
    services._save(member, user, update_fields=["member_type", "ordinary_since"])
    return member
