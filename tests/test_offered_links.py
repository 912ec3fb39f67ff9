"""Finding 6 of issue 15: a page offers only what the role may do.

Every link and form on the pages a viewer and a clerk open is followed: none may answer
403 (or 404). The pages ask the same policy as the pages they link to (the admin's
permission methods, ``organizations.access.can``), so this holds for links added later."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from tests.scoped_data import build


class Targets(HTMLParser):
    """Every <a href> and <form action> of a page."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.found.append(attrs["href"])
        elif tag == "form":
            self.found.append(attrs.get("action") or "")


def offered(page_url, html):
    parser = Targets()
    parser.feed(html)
    urls = set()
    for target in parser.found:
        url = urljoin(page_url, target)
        parts = urlsplit(url)
        if target.startswith(("#", "mailto:", "javascript:")) or parts.netloc:
            continue
        if parts.path.startswith("/" + settings.STATIC_URL) or parts.path in (
                reverse("logout"), reverse("admin:logout")):  # log-out forms: POST only
            continue
        urls.add(url.split("#")[0])
    return urls


def pages(data):
    member = data.jc_member
    return [
        reverse("dashboard"),
        reverse("campaign"),
        reverse("site_list"),
        reverse("site_detail", args=[data.jc_site.pk]),
        reverse("member_list"),
        reverse("member_detail", args=[member.pk]),
        reverse("drive_list"),
        reverse("application_list"),
        reverse("application_detail", args=[data.jc_application.pk]),
        reverse("admin:index"),
        reverse("admin:members_member_change", args=[member.pk]),
        reverse("admin:organizations_demonstrationsite_change", args=[data.jc_site.pk]),
        reverse("admin:members_transfer_change", args=[data.jc_transfer.pk]),
        reverse("admin:members_membershipevent_change", args=[member.events.first().pk]),
        reverse("admin:members_member_history", args=[member.pk]),
    ]


@pytest.mark.parametrize("name", ["jiangcheng_viewer", "jiangcheng_clerk"])
def test_finding6_nothing_offered_answers_403(client, tree, people, name):
    data = build(tree, people)
    # Changes the superuser made: the author is named on the history and record pages.
    data.jc_member.history.update(history_user=people.superuser)
    data.jc_member.events.update(recorded_by=people.superuser)
    type(data.jc_transfer).objects.filter(pk=data.jc_transfer.pk).update(
        requested_by=people.superuser)
    client.force_login(getattr(people, name))
    checked, refused = set(), []
    for page in pages(data):
        response = client.get(page)
        assert response.status_code == 200, f"{name} {page}: {response.status_code}"
        for url in offered(page, response.content.decode()) - checked:
            checked.add(url)
            status = client.get(url).status_code
            # 403/404: offered what the role or scope forbids; 400: a link whose
            # parameters the target does not declare (organizations.params).
            if status >= 400:
                refused.append(f"{page} offers {url}: {status}")
    assert len(checked) > 30  # the pages were read at all
    assert not refused, f"{name}:\n" + "\n".join(refused)


def test_finding6_add_buttons_only_for_roles_that_may_add(client, tree, people):
    build(tree, people)
    add_site = reverse("admin:organizations_demonstrationsite_add")
    add_target = reverse("admin:organizations_campaigntarget_add")
    for name, offered_to in (("jiangcheng_viewer", False), ("jiangcheng_clerk", True)):
        client.force_login(getattr(people, name))
        assert (add_site in client.get(reverse("site_list")).content.decode()) is offered_to
        assert (add_target in client.get(reverse("campaign")).content.decode()) is offered_to
