"""One change for many members, held or refused whole: the member list's batch changes
and the admin's actions. Every member goes through ``changes.record_change`` inside one
transaction; if any member cannot take the change, the transaction is rolled back and
the clerk is told which members and why (``BatchRefused``). A preview runs the same
batch and always rolls back, so what it reports is exactly what applying would meet.
A batch that holds is recorded as a ``BatchChange`` (who, when, what, which members)."""

from django.db import transaction
from django.utils.translation import gettext as _

from members import services
from members.models import BatchChange
from members.services.changes import ChangeKind, record_change
from organizations.access import scope_root

# What a batch can do: the changes that do not depend on each member's own paperwork
# (a death or a rejoining is recorded person by person).
BATCH_KINDS = (ChangeKind.TRANSFER, ChangeKind.RETAIN, ChangeKind.RETURN,
               ChangeKind.STRIKE_OFF, ChangeKind.LEAVE)
# A batch is a clerk's afternoon, not a migration: beyond this, split it by filter.
MAX_MEMBERS = 5000


class BatchRefused(Exception):
    """The batch was not written: ``problems`` lists (member, message) for every member
    that cannot take the change (or one (None, message) for the batch itself)."""

    def __init__(self, problems, total=0):
        super().__init__(problems)
        self.problems = problems
        self.total = total  # members selected


class _Preview(Exception):
    """Rolls back a preview's transaction."""


def _run(members, change, day, *, user, reason, note, union):
    members = list(members.select_related("union").order_by("pk")[:MAX_MEMBERS + 1])
    if not members:
        raise BatchRefused([(None, _("No members are selected."))])
    if len(members) > MAX_MEMBERS:
        raise BatchRefused([(None, _("At most %(max)d members in one batch; narrow the "
                                     "filter.") % {"max": MAX_MEMBERS})])
    problems = []
    for member in members:
        try:
            with transaction.atomic():  # a savepoint: the next members are still checked
                record_change(member, change, day, user=user, reason=reason, note=note,
                              union=union)
        except services.MembershipError as error:
            problems.append((member, str(error)))
    if problems:
        raise BatchRefused(problems, total=len(members))
    return members


def batch_preview(members, change, day, *, user, reason="", note="", union=None):
    """How many members the batch would change, and the problems that would refuse it
    ([] when it would hold). Nothing is written."""
    try:
        with transaction.atomic():
            done = _run(members, change, day, user=user, reason=reason, note=note, union=union)
            raise _Preview(len(done))
    except _Preview as preview:
        return preview.args[0], []
    except BatchRefused as refused:
        return refused.total, refused.problems


@transaction.atomic
def batch_change(members, change, day, *, user, reason="", note="", union=None):
    """Apply ``change`` to every member of the queryset ``members``, or to none
    (``BatchRefused``). Returns the ``BatchChange`` record."""
    if ChangeKind(change) not in BATCH_KINDS:
        raise BatchRefused([(None, _("This change is recorded member by member."))])
    done = _run(members, change, day, user=user, reason=reason, note=note, union=union)
    record = BatchChange.objects.create(
        change=change, date=day, reason=reason, note=note, union=union, count=len(done),
        recorded_by=user if user is not None and user.is_authenticated else None,
        scope=scope_root(user) if user is not None else None,
    )
    record.members.set(done)
    return record
