"""One record of every scoped model inside 江城区 and one inside 阳春市, on top of the
``tree`` of tests/people.py: the access-matrix and admin tests ask what each named
person gets for each of them. Names are distinct so a page can be searched for them."""

from datetime import date

from members import services
from members.identity import check_character
from members.models import (
    Application, BatchChange, EnrolmentDrive, ExportJob, ExportLog, ImportJob, Member,
    MembershipEvent, PersonalDataRead, Transfer,
)
from organizations.models import (
    CampaignTarget, DemonstrationSite, Division, Employer, Organization, SiteActivity, SiteService,
)


def resident_id(area, born, sequence):
    """A valid 18-digit resident ID number (odd sequence: male)."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


class ScopedData:
    """``jc_*`` lie in 江城区 (the 南恩街道 unions), ``yc_*`` in 阳春市."""

    @property
    def jiangcheng(self):
        """The 江城区 object of each scoped model, keyed by model: what a page or admin
        URL naming an object of that model is filled with."""
        return {
            Organization: self.tree.factory,
            Employer: self.jc_employer,
            Member: self.jc_member,
            EnrolmentDrive: self.jc_drive,
            Transfer: self.jc_transfer,
            MembershipEvent: self.jc_member.events.first(),
            DemonstrationSite: self.jc_site,
            SiteActivity: self.jc_activity,
            CampaignTarget: self.jc_target,
            ExportLog: self.jc_export_log,
            ExportJob: self.jc_export_job,
            ImportJob: self.jc_import_job,
            PersonalDataRead: self.jc_read,
            Application: self.jc_application,
            BatchChange: self.jc_batch,
        }

    # What each changelist shows of a row, to look for on the other county's page.
    def row_names(self, prefix):
        t = self.tree
        unions = {"jc": [t.jiangcheng, t.nanen, t.factory], "yc": [t.yangchun, t.chuncheng,
                                                                    t.chuncheng_joint]}[prefix]
        return {
            Member: [getattr(self, f"{prefix}_member").name],
            Employer: [getattr(self, f"{prefix}_employer").name],
            Organization: [union.name for union in unions],
            EnrolmentDrive: [getattr(self, f"{prefix}_drive").name],
            Transfer: [getattr(self, f"{prefix}_transfer").member.name],
            DemonstrationSite: [getattr(self, f"{prefix}_site").name],
        }


def build(tree, people):
    d = ScopedData()
    d.tree = tree
    town = {code: Division.objects.get(code=code) for code in ("441702001", "441781001")}
    d.jc_employer = Employer.objects.create(
        name="阳江市华力五金制品有限公司", division=town["441702001"], union=tree.factory,
        employees=120, women_employees=40, migrant_employees=70,
    )
    d.yc_employer = Employer.objects.create(
        name="阳春市春城制衣厂", division=town["441781001"], union=tree.chuncheng_joint,
        employees=30, women_employees=20, migrant_employees=10,
    )
    d.jc_drive = EnrolmentDrive.objects.create(
        name="南恩街道快递员入会活动", organizer=tree.nanen, default_union=tree.nanen_joint,
        kind=EnrolmentDrive.Kind.DELIVERY_DEPOT, starts_on=date(2024, 3, 1), target_count=40,
    )
    d.yc_drive = EnrolmentDrive.objects.create(
        name="春城建筑工地入会活动", organizer=tree.chuncheng, default_union=tree.chuncheng_joint,
        kind=EnrolmentDrive.Kind.CONSTRUCTION_SITE, starts_on=date(2024, 4, 1), target_count=60,
    )
    d.jc_member = services.enrol(Member(
        name="陈江生", id_number=resident_id("441702", date(1985, 5, 17), 13),
        union=tree.factory, employer=d.jc_employer, drive=d.jc_drive,
        joined_on=date(2020, 1, 6), mobile="13800138000", is_migrant_worker=True,
    ), user=people.jiangcheng_clerk)
    d.yc_member = services.enrol(Member(
        name="李春华", id_number=resident_id("441781", date(1990, 8, 2), 25),
        union=tree.chuncheng_joint, employer=d.yc_employer, drive=d.yc_drive,
        joined_on=date(2021, 3, 1), mobile="13900139000", is_construction_worker=True,
    ), user=people.yangchun_clerk)
    # A pending transfer inside 江城区: the factory's clerk cannot accept for the joint
    # union, so the request waits there.
    mover = services.enrol(Member(
        name="黄南迁", id_number=resident_id("441702", date(1988, 2, 9), 31),
        union=tree.factory, joined_on=date(2019, 7, 1),
    ))
    d.jc_transfer = services.request_transfer(
        mover, tree.nanen_joint, date(2024, 5, 1), user=people.base_clerk
    )
    leaver = services.enrol(Member(
        name="周春迁", id_number=resident_id("441781", date(1992, 11, 20), 47),
        union=tree.chuncheng_joint, joined_on=date(2020, 9, 1),
    ))
    d.yc_transfer = Transfer.objects.create(
        member=leaver, from_union=tree.chuncheng_joint, to_union=tree.trucks,
        date=date(2024, 6, 1), requested_by=people.yangchun_clerk,
    )
    d.jc_site = DemonstrationSite.objects.create(
        name="南恩街道职工服务站", level=DemonstrationSite.Level.PROVINCIAL, union=tree.nanen,
        division=town["441702001"], opened_on=date(2017, 5, 1), activity_space_m2=400,
        offers_hardship=True,
    )
    d.jc_site.employers.add(d.jc_employer)
    d.yc_site = DemonstrationSite.objects.create(
        name="春城街道职工之家", level=DemonstrationSite.Level.COUNTY, union=tree.chuncheng,
        division=town["441781001"], opened_on=date(2018, 1, 1), offers_culture=True,
    )
    d.jc_activity = SiteActivity.objects.create(
        site=d.jc_site, date=date(2024, 2, 1), service=SiteService.HARDSHIP,
        title="春节困难职工慰问", participants=25,
    )
    d.jc_target = CampaignTarget.objects.create(
        organization=tree.jiangcheng, description="百人以上企业年内全部建会",
        min_employees=100, set_on=date(2024, 1, 1), due_on=date(2024, 12, 31),
    )
    d.jc_export_log = ExportLog.objects.create(
        user=people.jiangcheng_viewer, kind="members", file_format="xlsx", rows=2,
    )
    d.jc_export_job = ExportJob.objects.create(
        user=people.jiangcheng_clerk, kind="members", file_format="xlsx",
    )
    d.jc_import_job = ImportJob.objects.create(
        user=people.jiangcheng_clerk, kind="members", token="0" * 32, file_name="x.xlsx",
    )
    d.jc_read = PersonalDataRead.objects.create(
        user=people.jiangcheng_clerk, member=d.jc_member, page=PersonalDataRead.Page.MEMBER_PAGE,
    )
    d.jc_batch = BatchChange.objects.create(
        change="retain", date=date(2024, 6, 1), reason="失业", scope=tree.jiangcheng, count=1,
        recorded_by=people.jiangcheng_clerk,
    )
    d.jc_batch.members.add(d.jc_member)
    d.jc_application = Application.objects.create(
        name="林申请", id_number=resident_id("441702", date(1995, 3, 3), 51), gender="男",
        union=tree.factory, applied_on=date(2024, 7, 1),
    )
    d.yc_application = Application.objects.create(
        name="钟申请", id_number=resident_id("441781", date(1996, 4, 4), 63), gender="男",
        union=tree.chuncheng_joint, applied_on=date(2024, 7, 2),
    )
    return d
