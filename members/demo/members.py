"""The demo city's members, their membership events and transfers, generated for
``seed_demo`` and the benchmarks.

``members`` is the register's size on 2018-10-31 (the newspaper's 440,871 at full
size): exactly that many people are members on that day. About 5% more people are
generated on top — some who joined and left (or moved away) before that day, some who
joined after it, up to ``LATEST`` — so counts "today" differ from counts on the day.
Member card numbers are unique by construction; personal columns come from ``people``.

Deterministic: everything comes from the ``random.Random`` passed in, and dates are
relative to fixed days (``AS_OF``, ``LATEST``), never to today.
"""

from bisect import bisect
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from members.demo.common import AS_OF, random_date
from members.demo.drives import DRIVE_COLUMNS, build_drives
from members.demo.people import People, pick
from members.demo.rows import indexes_deferred, insert_rows, next_id, reset_sequences
from members.models import EnrolmentDrive, Member, MembershipEvent, Transfer
from members.models.names import name_keys
from organizations.models import Organization

K = Organization.Kind
LATEST = date(2024, 12, 31)  # the demo's "today": late joiners and leavers stop here
SHANGHAI = ZoneInfo("Asia/Shanghai")
EV = MembershipEvent.Kind
ST = Member.Status
# A member's status after the last event of its history.
STATUS_AFTER = {EV.JOIN: ST.ACTIVE, EV.TRANSFER_IN: ST.ACTIVE, EV.RETAIN: ST.RETAINED,
                EV.TRANSFER_OUT: ST.TRANSFERRED_OUT, EV.LEAVE: ST.LEFT}
GIG_CATEGORY = {"truck": "truck_driver", "courier": "courier", "delivery": "delivery_rider",
                "ride": "ride_hailing_driver"}

# Shares of the register on AS_OF (the rest are ordinary members).
SHARES = {
    "truck": 0.0205,  # 9,000+ truck drivers
    "courier": 0.010,
    "delivery": 0.005,
    "ride": 0.003,
    "construction": 0.033,
    "railway": 0.007,  # the 2017 深茂铁路 construction-site drive
    "fields": 0.020,  # 田间地头 / slack-season drives in rural towns
    "park": 0.025,  # industrial-park drives
    "migrant": 0.035,  # other migrant workers, mostly joined since 2016
}
LEFT_BEFORE = 0.03  # joined and left before AS_OF
LATE = 0.025  # joined after AS_OF
LEAVE_AFTER = 0.02  # core members who left after AS_OF
RETAINED = 0.01
TRANSFERRED = 0.03  # moved between base unions in the city (history kept)

LEAVE_REASONS = ["劳动（工作）关系发生变化", "个人要求退会", "所在企业破产", "失业"]
REGULAR_YEARS = list(range(2010, 2019))
REGULAR_YEAR_CUM = list(accumulate([24, 22, 22, 22, 0.4, 0.4, 0.4, 0.4, 0.4]))

MEMBER_COLUMNS = [
    "id", "name", "name_initials", "given_name", "gender", "ethnicity", "id_type", "id_number", "birth_date", "native_place",
    "household_place", "household_type", "education", "political_status", "employment_status",
    "skill_grade", "mobile", "employer_id", "union_id", "joined_on", "card_number",
    "member_type", "status", "left_on", "leave_reason", "is_migrant_worker", "is_truck_driver",
    "is_courier", "is_delivery_rider", "is_ride_hailing_driver", "is_construction_worker",
    "drive_id", "notes", "created_at", "created_by_id",
]
EVENT_COLUMNS = [
    "id", "member_id", "kind", "date", "union_id", "counterpart_id", "reason", "note",
    "valid_until", "recorded_by_id", "recorded_at",
    # The member's counted attributes, copied onto each event (MembershipEvent docstring).
    "gender", "is_migrant_worker", "is_truck_driver", "is_courier", "is_delivery_rider",
    "is_ride_hailing_driver", "is_construction_worker",
]
TRANSFER_COLUMNS = [
    "id", "member_id", "from_union_id", "to_union_id", "date", "reason", "state",
    "requested_by_id", "requested_at", "decided_by_id", "decided_at",
]

_STAMPS = {}


def _stamp(day, rng):
    """A working-hours timestamp on ``day`` (deterministic: no clock). Cached: there are
    only so many days and ten-minute slots, and building datetimes is the slow part."""
    key = (day, int(rng.random() * 48))
    stamp = _STAMPS.get(key)
    if stamp is None:
        stamp = _STAMPS[key] = datetime.combine(day, time(9, 0), SHANGHAI) + timedelta(
            minutes=10 * key[1])
    return stamp


class Pool:
    """Weighted choice among unions, with precomputed cumulative weights."""

    def __init__(self, unions, weights):
        pairs = [(u, w) for u, w in zip(unions, weights) if w > 0]
        self.unions = [u for u, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))

    def __bool__(self):
        return bool(self.unions)

    def pick(self, rng):
        return self.unions[bisect(self.cum, rng.random() * self.cum[-1])]


class MemberGenerator:
    """Generates the members of the unions in ``tree`` (see the module docstring)."""

    def __init__(self, rng, tree, members):
        self.rng = rng
        self.tree = tree
        self.n = members
        self.people = People(rng, tree)
        emps = tree.employers_of
        self.employer_pick = {}
        for union_id, rows in emps.items():
            self.employer_pick[union_id] = (
                [r["id"] for r in rows], list(accumulate(max(1, r["employees"]) for r in rows))
            )
        base = tree.base
        staff = {u["id"]: sum(r["employees"] for r in emps.get(u["id"], [])) for u in base}
        migrants = {u["id"]: sum(r["migrant_employees"] for r in emps.get(u["id"], [])) for u in base}
        # Unions founded in 2014-2018 are young: their employers' staff were still
        # joining, so they weigh less (the newspaper's 70,000+ new members in 2014-2018
        # are mostly the migrant and gig workers of the campaigns).
        young = {u["id"]: 0.3 if (u["founded_on"] or date(1990, 1, 1)) >= date(2014, 1, 1) else 1
                 for u in base}
        self.regular = Pool(base, [staff[u["id"]] * young[u["id"]] for u in base])
        self.migrant = Pool(base, [migrants[u["id"]] + 1 for u in base])
        self.feds = {}
        self.fed_children = {}
        for fed in tree.industry:
            self.feds.setdefault(fed["_category"], []).append(fed)
        for u in base:
            parent = tree.by_id[u["parent_id"]]
            if parent["kind"] == K.INDUSTRY:
                self.fed_children.setdefault(parent["_category"], []).append(u)
        self.city_fed = {cat: feds[0] for cat, feds in self.feds.items()}
        self.drives, self.drives_by_cohort = [], {}

    def build_drives(self):
        """The enrolment drives some cohorts join through; returns their rows."""
        self.drives, self.drives_by_cohort = build_drives(self.rng, self.tree, self.city_fed)
        return self.drives

    # --- where and when a member joined ----------------------------------------------
    def _employer(self, union):
        choice = self.employer_pick.get(union["id"])
        if not choice:
            return None
        ids, cum = choice
        return ids[bisect(cum, self.rng.random() * cum[-1])]

    def _joining(self, cohort):
        """(union row, join date, drive row or None, category flags) of a new member."""
        rng = self.rng
        if cohort not in ("left", "late"):
            return self._cohort_union_and_date(cohort)
        migrant = rng.random() < 0.12
        union = (self.migrant if migrant else self.regular).pick(rng)
        flags = {"migrant_worker"} if migrant else set()
        if cohort == "late":
            joined = random_date(rng, AS_OF + timedelta(days=1), LATEST)
        else:
            start = max(union["founded_on"] or date(2010, 1, 1), date(2010, 1, 1))
            joined = random_date(rng, min(start, AS_OF - timedelta(days=60)),
                                 AS_OF - timedelta(days=60))
        return union, joined, None, flags

    def _cohort_union_and_date(self, cohort):
        """(union row, join date, drive row or None, category flags) for a core member."""
        rng = self.rng
        flags = set()
        drive = None
        if cohort in GIG_CATEGORY:
            union, drive = self._gig_union(cohort, flags)
        elif cohort == "construction":
            union = self._construction_union(flags)
        elif cohort in ("railway", "fields", "park"):
            union, drive = self._drive_union(cohort, flags)
        elif cohort == "migrant":
            flags.add("migrant_worker")
            union = self.migrant.pick(rng)
        else:
            union = self.regular.pick(rng)
        start, end = self._join_window(union, drive, flags)
        return union, random_date(rng, start, end), drive, flags

    def _gig_union(self, cohort, flags):
        """A truck driver's, courier's, rider's or ride-hailing driver's union (mostly
        their industry federation, some through its drive) and drive."""
        rng = self.rng
        category = GIG_CATEGORY[cohort]
        flags.add(category)
        feds = self.feds.get(category, [])
        children = self.fed_children.get(category, [])
        drive = None
        if feds and (not children or rng.random() < 0.7):
            union = feds[0] if rng.random() < 0.6 else rng.choice(feds)
            drives = self.drives_by_cohort.get(cohort, [])
            if drives and union["id"] == drives[0]["_unions"][0]["id"] and rng.random() < 0.8:
                drive = drives[0]
        elif children:
            union = rng.choice(children)
        else:
            union = self.regular.pick(rng)
        if rng.random() < 0.5:
            flags.add("migrant_worker")
        return union, drive

    def _construction_union(self, flags):
        rng = self.rng
        flags.add("construction_worker")
        children = self.fed_children.get("construction_worker", [])
        feds = self.feds.get("construction_worker", [])
        roll = rng.random()
        union = rng.choice(children) if children and roll < 0.7 else (
            rng.choice(feds) if feds and roll < 0.8 else self.regular.pick(rng))
        if rng.random() < 0.6:
            flags.add("migrant_worker")
        return union

    def _drive_union(self, cohort, flags):
        """A migrant worker enrolled by a railway, fields or park drive."""
        rng = self.rng
        flags.add("migrant_worker")
        if cohort == "railway":
            flags.add("construction_worker")
        drives = self.drives_by_cohort.get(cohort)
        if drives:
            drive = rng.choice(drives)
            return rng.choice(drive["_unions"]), drive
        return self.migrant.pick(rng), None

    def _join_window(self, union, drive, flags):
        """The first and last day a member of this kind may have joined ``union``."""
        rng = self.rng
        founded = union["founded_on"] or date(1990, 1, 1)
        if drive is not None:
            start, end = max(drive["starts_on"], founded), min(drive["ends_on"], AS_OF)
        elif "migrant_worker" in flags or union["kind"] == K.INDUSTRY:
            # Migrant workers came in with the campaigns from 2016 on.
            start = max(founded, date(2016, 1, 1) if rng.random() < 0.95 else date(2010, 1, 1))
            end = AS_OF
        elif founded < date(2014, 1, 1):
            # Most of the register predates 2014; the newspaper counts 70,000+ new
            # members in 2014-2018, most of them migrant workers and gig workers.
            year = pick(rng, REGULAR_YEARS, REGULAR_YEAR_CUM)
            if date(year, 12, 31) < founded:
                year = founded.year
            start, end = max(founded, date(year, 1, 1)), min(date(year, 12, 31), AS_OF)
        else:
            start, end = founded, AS_OF
        return min(start, end), end

    # --- histories and rows ----------------------------------------------------------
    def _plan(self):
        """Every person's cohort, in random order."""
        n = self.n
        plan = []
        for cohort, share in SHARES.items():
            plan += [cohort] * round(n * share)
        plan = plan[:n]
        plan += ["regular"] * (n - len(plan))
        plan += ["left"] * round(n * LEFT_BEFORE) + ["late"] * round(n * LATE)
        self.rng.shuffle(plan)
        return plan

    def generate(self, first_member_id, first_event_id, first_transfer_id, chunk=50000):
        """Yield (members, events, transfers) row lists chunk by chunk."""
        plan = self._plan()
        self.total = len(plan)
        self.next_event_id, self.next_transfer_id = first_event_id, first_transfer_id
        self.drive_counts = {}
        members, events, transfers = [], [], []
        for member_id, cohort in enumerate(plan, start=first_member_id):
            union, joined, drive, flags = self._joining(cohort)
            person = self.people.person(union, joined, flags)
            history, transfer = self._history(cohort, member_id, union, joined)
            if transfer:
                transfers.append(transfer)
            members.append(self._member_row(member_id, person, history, joined, drive, flags))
            events += self._event_rows(member_id, history, members[-1])
            if len(members) >= chunk:
                yield members, events, transfers
                members, events, transfers = [], [], []
        if members:
            yield members, events, transfers

    def _history(self, cohort, member_id, union, joined):
        """The member's events as (kind, date, union, counterpart, reason) — a join,
        maybe a transfer, an end or a retention — and its transfer row, if it moved."""
        rng = self.rng
        history = [(EV.JOIN, joined, union, None, "")]
        roll = rng.random()
        late = cohort == "late"
        if cohort == "left":
            end = random_date(rng, joined + timedelta(days=30), AS_OF)
            kind = EV.TRANSFER_OUT if rng.random() < 0.25 else EV.LEAVE
            history.append((kind, end, union, None, rng.choice(LEAVE_REASONS)
                            if kind == EV.LEAVE else "劳动（工作）关系发生变化"))
        elif roll < TRANSFERRED and not late:
            moved = random_date(rng, joined + timedelta(days=30), LATEST)
            target = self.regular.pick(rng)
            if target["id"] != union["id"]:
                reason = "劳动（工作）关系发生变化"
                history.append((EV.TRANSFER_OUT, moved, union, target, reason))
                history.append((EV.TRANSFER_IN, moved, target, union, reason))
                transfer = [
                    self.next_transfer_id, member_id, union["id"], target["id"], moved, reason,
                    "accepted", None, _stamp(moved, rng), None, _stamp(moved, rng),
                ]
                self.next_transfer_id += 1
                return history, transfer
        elif roll < TRANSFERRED + LEAVE_AFTER and not late:
            end = random_date(rng, max(joined, AS_OF) + timedelta(days=1), LATEST)
            history.append((EV.LEAVE, end, union, None, rng.choice(LEAVE_REASONS)))
        elif roll < TRANSFERRED + LEAVE_AFTER + RETAINED and not late:
            day = random_date(rng, joined + timedelta(days=30), LATEST)
            history.append((EV.RETAIN, day, union, None, "在本单位下岗后待岗"))
        return history, None

    def _member_row(self, member_id, person, history, joined, drive, flags):
        """The member's row in ``MEMBER_COLUMNS`` order, as its history leaves it."""
        rng = self.rng
        last_kind, last_date, current, _, last_reason = history[-1]
        status = STATUS_AFTER[last_kind]
        ended = last_kind in (EV.TRANSFER_OUT, EV.LEAVE)
        recent = joined > date(2018, 6, 30)
        card = None if (recent and rng.random() < 0.3) else f"4417{joined.year}{member_id:08d}"
        if drive is not None:
            self.drive_counts[drive["id"]] = self.drive_counts.get(drive["id"], 0) + 1
        return [
            member_id, person["name"], *name_keys(person["name"]), person["gender"], person["ethnicity"], "居民身份证",
            person["id_number"], person["birth_date"], person["native_place"],
            person["household_place"], person["household_type"], person["education"],
            person["political_status"],
            "待（下）岗" if status == ST.RETAINED else "在岗",
            person["skill_grade"], person["mobile"], self._employer(current), current["id"],
            joined, card,
            "probationary" if recent and rng.random() < 0.1 else "ordinary",
            status, last_date if ended else None, last_reason if ended else "",
            "migrant_worker" in flags, "truck_driver" in flags, "courier" in flags,
            "delivery_rider" in flags, "ride_hailing_driver" in flags,
            "construction_worker" in flags,
            drive["id"] if drive else None, "", _stamp(joined, rng), None,
        ]

    def _event_rows(self, member_id, history, member_row):
        """The rows of ``history`` in ``EVENT_COLUMNS`` order: each valid until the next
        one's date, each with a copy of the member's counted attributes."""
        counted = (member_row[MEMBER_COLUMNS.index("gender")],
                   *member_row[MEMBER_COLUMNS.index("is_migrant_worker"):MEMBER_COLUMNS.index("drive_id")])
        rows = []
        for index, (kind, day, at, counterpart, reason) in enumerate(history):
            valid_until = history[index + 1][1] if index + 1 < len(history) else None
            rows.append([
                self.next_event_id, member_id, kind, day, at["id"],
                counterpart["id"] if counterpart else None, reason, "", valid_until, None,
                _stamp(day, self.rng), *counted,
            ])
            self.next_event_id += 1
        return rows


def expected_reported(tree, members, rng):
    """上报数: what each base union reports — the share of the register its workforce
    suggests, give or take, so the report and the register visibly differ."""
    staff = {u["id"]: 0 for u in tree.base}
    for rows in tree.employers_of.items():
        staff[rows[0]] = sum(r["employees"] for r in rows[1])
    total = sum(staff.values()) or 1
    for union in tree.base:
        share = members * staff[union["id"]] / total
        union["reported_members"] = max(0, round(share * rng.uniform(0.85, 1.25)))


def save_members(rng, tree, members, progress=None):
    """Generate and insert the drives, members, events and transfers (the tree must be
    saved already). Returns a dict of row counts."""
    generator = MemberGenerator(rng, tree, members)
    drives = generator.build_drives()
    insert_rows(EnrolmentDrive, DRIVE_COLUMNS, ([d[c] for c in DRIVE_COLUMNS] for d in drives))
    counts = {"drives": len(drives), "members": 0, "events": 0, "transfers": 0}
    with indexes_deferred(Member, MembershipEvent, Transfer):
        for member_rows, event_rows, transfer_rows in generator.generate(
            next_id(Member), next_id(MembershipEvent), next_id(Transfer)
        ):
            counts["members"] += insert_rows(Member, MEMBER_COLUMNS, member_rows)
            counts["events"] += insert_rows(MembershipEvent, EVENT_COLUMNS, event_rows)
            counts["transfers"] += insert_rows(Transfer, TRANSFER_COLUMNS, transfer_rows)
            if progress:
                progress(counts["members"], generator.total)
    # A drive's target is what its organisers aimed for: a round figure above the result.
    for drive in drives:
        enrolled = generator.drive_counts.get(drive["id"], 0)
        target = max(50, -(-int(enrolled * 1.15) // 50) * 50)
        EnrolmentDrive.objects.filter(pk=drive["id"]).update(target_count=target)
    reset_sequences(EnrolmentDrive, Member, MembershipEvent, Transfer)
    return counts
