"""The ground floor: the union hierarchy and its divisions, the employers its base
unions cover, the 三个一批 sites and campaign targets, and (from ``organizations.policy``)
who acts for which union. Nothing here knows of members. One module per part."""

from organizations.models.employers import Employer, EmployerQuerySet
from organizations.models.sites import (
    CampaignTarget, CampaignTargetQuerySet, DemonstrationSite, DemonstrationSiteQuerySet,
    SiteActivity, SiteActivityQuerySet, SiteService,
)
from organizations.models.tree import STEP, Division, Organization, OrganizationQuerySet
from organizations.policy import Grant, Role, ScopedQuerySet

__all__ = [
    "STEP", "CampaignTarget", "CampaignTargetQuerySet", "DemonstrationSite",
    "DemonstrationSiteQuerySet", "Division", "Employer", "EmployerQuerySet", "Grant",
    "Organization", "OrganizationQuerySet", "Role", "ScopedQuerySet", "SiteActivity",
    "SiteActivityQuerySet", "SiteService",
]
