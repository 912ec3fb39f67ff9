"""Membership changes: the one code path through which the admin, the pages and
the import enrol, transfer and release members. Each change appends a
``MembershipEvent``, closes the previous event's validity, and keeps the member's
current-state columns in step, in one transaction. Also the one answer to "is this
person registered, and where" (``registration``, ``registrations``).

The parts built on these: ``changes`` (every 会籍变化 a clerk records on a member's
page: 保留, 转入 after 保留, rejoining, 除名, 退会, death, 预备 → 正式), ``batch`` (one
change for many members, all or nothing) and ``applications`` (入会申请 → 审核 → 入会);
their names are re-exported at the end of this module."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, MembershipEvent, Transfer
from organizations.access import organization_in_scope

Kind = MembershipEvent.Kind

# The member's status after each kind of event.
STATUS_AFTER = {
    Kind.JOIN: Member.Status.ACTIVE,
    Kind.TRANSFER_IN: Member.Status.ACTIVE,
    Kind.RETAIN: Member.Status.RETAINED,
    Kind.TRANSFER_OUT: Member.Status.TRANSFERRED_OUT,
    Kind.STRIKE_OFF: Member.Status.STRUCK_OFF,
    Kind.LEAVE: Member.Status.LEFT,
    Kind.DEATH: Member.Status.DECEASED,
}
ENDING_KINDS = (Kind.TRANSFER_OUT, Kind.STRIKE_OFF, Kind.LEAVE, Kind.DEATH)


class MembershipError(Exception):
    """A change that the register's rules do not allow; the message is for the clerk."""


def registration(id_type, number, *, exclude=None):
    """The member registered with this document (its union loaded, to say where), or
    None; ``exclude``: the id of the member being edited. The one lookup behind the
    entry page's live check, the member form and (in bulk, ``registrations``) the import."""
    members = Member.objects.select_related("union").filter(id_type=id_type, id_number=number)
    if exclude is not None:
        members = members.exclude(pk=exclude)
    return members.first()


def registrations(numbers, batch=2000, unions=None):
    """``registration`` for many document numbers at once: {(id_type, number): member},
    ``batch`` numbers per query. ``unions`` (id → union, e.g. those an import already
    holds) serve the members' unions without a join; others are read when asked for."""
    found = {}
    members = Member.objects if unions is not None else Member.objects.select_related("union")
    for start in range(0, len(numbers), batch):
        for member in members.filter(id_number__in=numbers[start:start + batch]):
            if unions is not None and member.union_id in unions:
                member.union = unions[member.union_id]
            found[(member.id_type, member.id_number)] = member
    return found


def _author(user):
    return user if user is not None and user.is_authenticated else None


def _record(member, kind, day, union, *, user=None, reason="", note="", counterpart=None):
    last = member.events.order_by("-date", "-id").first()
    if last is not None:
        if day < last.date:
            raise MembershipError(
                _("The date %(day)s is before the member's last change (%(last)s).")
                % {"day": day.isoformat(), "last": last.date.isoformat()}
            )
        MembershipEvent.objects.filter(pk=last.pk).update(valid_until=day)
    return MembershipEvent.objects.create(
        member=member, kind=kind, date=day, union=union, counterpart=counterpart,
        reason=reason, note=note, recorded_by=_author(user),
    )


def _save(obj, user, **kwargs):
    """Save with the author attached, so the audit trail names them even outside a web
    request (imports, background jobs), where simple-history's middleware is absent."""
    if user is not None and user.is_authenticated:
        obj._history_user = user
    obj.save(**kwargs)


def _apply_state(member, kind, day, reason=""):
    member.status = STATUS_AFTER[kind]
    if kind in ENDING_KINDS:
        member.left_on = day
        member.leave_reason = reason
    else:
        member.left_on = None
        member.leave_reason = ""


def opening_events(member, change=None):
    """The events that enrol a new member, as ``(kind, date, valid_until)`` rows: the
    join (入会) on ``member.joined_on`` and, for someone registered after a later change
    (an imported roster that lists them as left), that ``(kind, day)`` change; each valid
    until the next one's date, as ``_record`` and ``change_status`` would leave them. The
    member's state columns are set to where the last event leaves them. Nothing is
    written: ``enrol`` saves these rows, the import's bulk writer copies them."""
    member.status = STATUS_AFTER[Kind.JOIN]
    events = [(Kind.JOIN, member.joined_on)]
    if change is not None:
        kind, day = change
        if day < member.joined_on:
            raise MembershipError(_("The date lies before the join date."))
        events.append((kind, day))
        _apply_state(member, kind, day)
    return [(kind, day, events[index + 1][1] if index + 1 < len(events) else None)
            for index, (kind, day) in enumerate(events)]


@transaction.atomic
def enrol(member, *, user=None):
    """Save a new member and record the join (入会) on ``member.joined_on``."""
    events = opening_events(member)
    if user is not None and user.is_authenticated and member.created_by_id is None:
        member.created_by = user
    _save(member, user)
    for kind, day, valid_until in events:
        MembershipEvent.objects.create(member=member, kind=kind, date=day, union=member.union,
                                       valid_until=valid_until, recorded_by=_author(user))
    return member


def _current_join(member):
    """The join (入会) event that ``member.joined_on`` describes: the latest one (a
    member who left and joined again has two)."""
    return member.events.filter(kind=Kind.JOIN).order_by("-date", "-id").first()


def join_date_problem(member, joined_on):
    """Why ``joined_on`` cannot replace the member's recorded join date, or None. The
    join (入会) event moves with a corrected date, so it may not pass the next change,
    nor (for a member who joined again) go back before the change before it."""
    join = _current_join(member)
    if join is not None and join.valid_until is not None and joined_on > join.valid_until:
        return _("The join date cannot be after the member's next change (%(next)s).") % {
            "next": join.valid_until.isoformat()
        }
    if join is not None:
        before = member.events.filter(date__lte=join.date).exclude(pk=join.pk).order_by(
            "-date", "-id").first()
        if before is not None and joined_on < before.date:
            return _("The date %(day)s is before the member's last change (%(last)s).") % {
                "day": joined_on.isoformat(), "last": before.date.isoformat()}
    return None


@transaction.atomic
def save_correction(member, *, user=None):
    """Save what a clerk corrected on a member's record (a typo in the name, the mobile,
    the join date…). A corrected join date moves the first join (入会) event with it, so
    the record and the statistics agree."""
    problem = join_date_problem(member, member.joined_on)
    if problem:
        raise MembershipError(problem)
    join = _current_join(member)
    if join is not None and join.date != member.joined_on:
        MembershipEvent.objects.filter(pk=join.pk).update(date=member.joined_on)
    _save(member, user)
    return member


@transaction.atomic
def change_status(member, kind, day, *, user=None, reason="", note=""):
    """Retain, strike off, leave, record a death, or rejoin (``Kind.JOIN`` after leaving)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if kind == Kind.JOIN and member.is_member:
        raise MembershipError(_("%(name)s is already a member.") % {"name": member.name})
    if kind in ENDING_KINDS + (Kind.RETAIN,) and not member.is_member:
        raise MembershipError(_("%(name)s is not a member now.") % {"name": member.name})
    _record(member, kind, day, member.union, user=user, reason=reason, note=note)
    _apply_state(member, kind, day, reason)
    _save(member, user, update_fields=["status", "left_on", "leave_reason"])
    return member


@transaction.atomic
def request_transfer(member, to_union, day, *, user, reason=""):
    """Start a transfer. If the user's scope covers the receiving union too, it takes
    effect at once; otherwise it waits for the receiving side to accept."""
    if not member.is_member:
        raise MembershipError(_("%(name)s is not a member now.") % {"name": member.name})
    if to_union.pk == member.union_id:
        raise MembershipError(_("The member already belongs to %(union)s.") % {"union": to_union})
    if not to_union.takes_members:
        raise MembershipError(_("Members belong to a base union or an industry federation."))
    transfer = Transfer.objects.create(
        member=member, from_union=member.union, to_union=to_union, date=day, reason=reason,
        requested_by=user,
    )
    if organization_in_scope(user, to_union):
        accept_transfer(transfer, user=user)
    return transfer


@transaction.atomic
def accept_transfer(transfer, *, user):
    """The receiving union accepts: 转出 at the old union and 转入 at the new one, same day."""
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if transfer.state != Transfer.State.PENDING:
        raise MembershipError(_("This transfer has already been decided."))
    if member.union_id != transfer.from_union_id or not member.is_member:
        raise MembershipError(_("The member is no longer in %(union)s.") % {"union": transfer.from_union})
    _record(member, Kind.TRANSFER_OUT, transfer.date, transfer.from_union, user=user,
            reason=transfer.reason, counterpart=transfer.to_union)
    _record(member, Kind.TRANSFER_IN, transfer.date, transfer.to_union, user=user,
            reason=transfer.reason, counterpart=transfer.from_union)
    member.union = transfer.to_union
    if member.employer_id and member.employer.union_id != transfer.to_union.pk:
        member.employer = None  # the old employer belongs to the old union's register
    _apply_state(member, Kind.TRANSFER_IN, transfer.date)
    _save(member, user, update_fields=["union", "employer", "status", "left_on", "leave_reason"])
    transfer.state = Transfer.State.ACCEPTED
    transfer.decided_by = user
    transfer.decided_at = timezone.now()
    _save(transfer, user, update_fields=["state", "decided_by", "decided_at"])
    return transfer


@transaction.atomic
def reject_transfer(transfer, *, user):
    if transfer.state != Transfer.State.PENDING:
        raise MembershipError(_("This transfer has already been decided."))
    transfer.state = Transfer.State.REJECTED
    transfer.decided_by = user
    transfer.decided_at = timezone.now()
    _save(transfer, user, update_fields=["state", "decided_by", "decided_at"])
    return transfer


# The parts built on the primitives above (they import this module: keep at the end).
from members.services.changes import (  # noqa: E402, F401
    PAGE_CHANGES, ChangeKind, make_ordinary, reason_problem, record_change, rejoin,
    return_to_work,
)
from members.services.batch import BATCH_KINDS, BatchRefused, batch_change, batch_preview  # noqa: E402, F401
from members.services.applications import (  # noqa: E402, F401
    apply, approve_application, reject_application,
)
