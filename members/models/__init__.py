"""The member register (会员实名登记): members, the membership changes that make up
their history (会籍变化), transfers between base unions (会员关系接转), the enrolment
drives (入会活动) through which migrant workers, truck drivers and couriers join, and the
logs of who took or read personal data. One module per part; every name is here."""

from members.models.register import COUNTED_FIELDS, Category, Member, MemberQuerySet
from members.models.events import (
    FIGURE_TABLES, FIGURES_LOCK, TALLY_LOCK, MembershipEvent, MembershipEventQuerySet, MembershipTally, Transfer,
    TransferQuerySet,
)
from members.models.drives import EnrolmentDrive, EnrolmentDriveQuerySet, EntryReceipt
from members.models.logs import ExportJob, ExportLog, ImportJob, PersonalDataRead
from members.models.applications import Application, ApplicationQuerySet, BatchChange
from members.models.self_enrolment import SelfEnrolment, SelfEnrolmentSubmission

__all__ = [
    "Application", "ApplicationQuerySet", "BatchChange",
    "COUNTED_FIELDS", "Category", "FIGURE_TABLES", "FIGURES_LOCK", "EnrolmentDrive", "EnrolmentDriveQuerySet", "EntryReceipt",
    "ExportJob", "ExportLog", "ImportJob", "Member", "MemberQuerySet", "MembershipEvent",
    "MembershipEventQuerySet", "MembershipTally", "PersonalDataRead", "SelfEnrolment",
    "SelfEnrolmentSubmission", "TALLY_LOCK", "Transfer", "TransferQuerySet",
]
