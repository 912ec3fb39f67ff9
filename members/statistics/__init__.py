"""Membership statistics as of a date: the figures officials send up (基层工会数, 覆盖单位数,
职工人数, 会员人数, 入会率, 建会率, new members and new base unions in a period), broken down
by child union, by county or by town. The dashboard, the pages and the statistics
workbook all read them from ``breakdown`` so their figures agree.

Layers: ``organizations`` is the ground floor (unions, divisions, employers), the
register (``members``) sits on it, and this package sits above the register: it counts
members and never writes them (only its own tallies).

Each table is asked once, grouped in the database (members, unions, employers: a few
queries whatever the size of the tree). Members are counted from the membership events
in effect on the day (see ``MembershipEvent``), so "members on 2018-10-31" counts people
who had joined by then and had not left. They are read from each union's tallies at the
month end on or before the day (``MembershipTally``: counted from the events once, then
stored) plus the events dated after it; new members in a period are the difference of
two tallies' joins. Employers are not versioned beyond the date they were unionised, so
headcounts are today's.

One module per job: ``rows`` (the rows and their figures), ``counting`` (what is counted,
from events and employers), ``tallies`` (the stored month-end tallies), ``sql`` (the
statements, and what differs per database), ``report`` (``breakdown``, which joins them).
"""

from members.statistics.counting import members_on
from members.statistics.report import breakdown
from members.statistics.rows import (
    BY_COUNTY,
    BY_TOWN,
    BY_UNION,
    EMPLOYER_FIGURES,
    FIGURES,
    GROUPINGS,
    MEMBER_FIGURES,
    UNION_FIGURES,
    Report,
    Row,
)
from members.statistics.sql import BELOW_CITY, PLANNER
from members.statistics.tallies import TALLY_LOCK, month_end_of, refill_tallies

__all__ = [
    "BELOW_CITY", "BY_COUNTY", "BY_TOWN", "BY_UNION", "EMPLOYER_FIGURES", "FIGURES",
    "GROUPINGS", "MEMBER_FIGURES", "PLANNER", "TALLY_LOCK", "UNION_FIGURES", "Report", "Row",
    "breakdown", "members_on", "month_end_of", "refill_tallies",
]
