"""What an import may change about the membership of a person already registered: the
one rule, written once (``decide``), and its application through ``members.services``
(``apply``), so the member's history stays right however the change arrives.

A row speaks about membership through the 会籍变化 columns of the provincial member form
(type, date, reason: the person's latest change) or our 状态 / 状态变更日期 columns.
For someone already on the register:

* what the register already holds changes nothing: the same latest change on the same
  day (so a re-imported file, or an export imported back, changes nothing), or 在册 / 入会
  on the recorded join date for a member;
* 保留, 转出, 除名, 退会 (and 死亡) of a member of that union: that change, with its
  reason (``services.change_status``);
* 入会 of someone who left, was struck off or transferred out: rejoining at the row's
  union, or the old one (``services.rejoin``);
* 转入 of a member registered at another union: a transfer to the row's union; when
  the member's union lies outside the importer's area, a request that the releasing
  side decides (``services.request_transfer_in``), and the person counts where they
  were until then; 转入 of a retained member at their own union: back at work
  (``change_status`` with 转入);
* anything else is refused with the reason: a change dated before the last one, a
  union changed without 转入, 入会 of a current member, a change of someone no longer a
  member."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from members import services
from members.models import Member, MembershipEvent

Kind = MembershipEvent.Kind
# 会籍变化类型 → our kind (退会 is also how the register records a death).
TYPE_KINDS = {"入会": Kind.JOIN, "转入": Kind.TRANSFER_IN, "保留": Kind.RETAIN,
              "转出": Kind.TRANSFER_OUT, "除名": Kind.STRIKE_OFF, "退会": Kind.LEAVE}
ACTIVE = object()  # a row that says only "a member" (状态 在册, no date)


@dataclass(frozen=True)
class Change:
    """A dated change a row records: ``kind`` (a MembershipEvent.Kind), ``day``,
    ``reason`` (one of ``MembershipEvent.REASONS[kind]`` or "")."""

    kind: str
    day: object
    reason: str = ""


@dataclass(frozen=True)
class Action:
    """What ``apply`` does at commit: ``service`` (``status``, ``rejoin``,
    ``transfer_in``) with the change and, for the last two, the union."""

    service: str
    change: Change
    union: object = None


class RuleError(Exception):
    """What the import may not do for this person; the message is for the clerk, ``key``
    the column it is reported against (the change's, unless the union is at fault)."""

    def __init__(self, message, key="change_type"):
        super().__init__(message)
        self.key = key


def decide(member, latest, change, union, default_union=None):
    """For the registered ``member`` (its latest event ``latest``), what a row recording
    ``change`` (a ``Change``, ``ACTIVE`` or None) at ``union`` (the union the row
    names, or None) leads to: None when the register agrees, or an ``Action``;
    ``RuleError`` for what an import may not change. ``default_union`` (the file's:
    picked at upload or its 填表单位) is where a 转入 or a rejoining goes when the row
    names no union; it never makes a recorded change look different."""
    if change is None or change is ACTIVE:
        if union is not None and union.pk != member.union_id:
            raise RuleError(_(
                "The register has this member in %(union)s; enter 转入 with its date in "
                "会籍变化类型 to move them, or record a transfer on the member's page."
            ) % {"union": member.union.name}, key="union")
        if change is ACTIVE and member.status != Member.Status.ACTIVE:
            raise RuleError(_("The register has this member as %(status)s; record the change "
                              "with its date.") % {"status": member.get_status_display()},
                            key="status")
        return None
    if _already_recorded(member, latest, change, union):
        return None
    if latest is not None and change.day < latest.date:
        raise RuleError(_("The date %(day)s is before the member's last change (%(last)s).")
                        % {"day": change.day.isoformat(), "last": latest.date.isoformat()})
    if change.kind == Kind.JOIN:
        return _join(member, change, union or default_union)
    if change.kind == Kind.TRANSFER_IN:
        return _transfer_in(member, change, union or default_union)
    if union is not None and union.pk != member.union_id:
        raise RuleError(_("The register has this member in %(union)s; a change is recorded "
                          "there.") % {"union": member.union.name}, key="union")
    if not member.is_member or (change.kind == Kind.RETAIN
                                and member.status == Member.Status.RETAINED):
        raise RuleError(_("The register has this member as %(status)s.")
                        % {"status": member.get_status_display()})
    return Action("status", change)


def _already_recorded(member, latest, change, union):
    """The row says what the register holds: the same latest change on the same day
    (death is 退会 on the form), or 入会 on the join date of a member of that union."""
    if union is not None and union.pk != member.union_id:
        return False
    if latest is not None and latest.date == change.day and (
        MembershipEvent.REGISTER_TYPE[latest.kind] == MembershipEvent.REGISTER_TYPE[change.kind]
    ):
        return True
    return (change.kind == Kind.JOIN and member.is_member
            and member.joined_on == change.day)


def _join(member, change, union):
    if member.is_member:
        raise RuleError(_("%(name)s is already a member of %(union)s (joined %(day)s).") % {
            "name": member.name, "union": member.union.name,
            "day": member.joined_on.isoformat() if member.joined_on else "?"})
    if member.status == Member.Status.DECEASED:
        raise RuleError(_("The register has this person as deceased."))
    return Action("rejoin", change, union or member.union)


def _transfer_in(member, change, union):
    if union is None:
        raise RuleError(_("转入 needs the union the member moves to."))
    if not member.is_member:
        raise RuleError(_("%(name)s is not a member now; enter 入会 to record rejoining.")
                        % {"name": member.name})
    if union.pk == member.union_id:
        if member.status == Member.Status.RETAINED:
            return Action("status", change)  # back at work in the same union
        raise RuleError(_("The member already belongs to %(union)s.") % {"union": union.name})
    return Action("transfer_in", change, union)


def apply(member, action, user):
    """Carry out ``action`` (from ``decide``) through the services, in the caller's
    transaction; ``services.MembershipError`` when the register changed meanwhile."""
    change = action.change
    if action.service == "rejoin":
        return services.rejoin(member, change.day, user=user, union=action.union)
    if action.service == "transfer_in":
        return services.request_transfer_in(member, action.union, change.day, user=user,
                                            reason=change.reason)
    return services.change_status(member, change.kind, change.day, user=user,
                                  reason=change.reason)
