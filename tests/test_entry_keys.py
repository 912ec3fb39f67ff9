"""Keys and seconds per person on the drive entry page, typed as a clerk types: 60 ms
per key, keyboard only (issue 18). Run with ``-s`` to see the figures:

    pytest tests/test_entry_keys.py -s

Three ways through the page, three people each: a person of the drive's preset
category, a person of another category (the preset unticked, another ticked), and a
correction reached from the running list. The keys are counted as typed (a Chinese name
counts one key per character here; an input method adds its own). The time runs from
the first key to the state the clerk waits for (the new row in the list, or the entry
page back after a correction). The key counts are asserted; the times are printed."""

import re
import statistics
import time

import pytest
from django.urls import reverse

from members.models import Member
from tests.test_entry_page import drive, entry_ready, log_in, rid  # noqa: F401 (drive: a fixture)

KEY_DELAY = 0.060  # seconds per key


class Typist:
    """Types at 60 ms per key and counts the keys."""

    def __init__(self, page):
        self.page = page
        self.keys = 0

    def type(self, text):
        self.page.keyboard.type(text, delay=KEY_DELAY * 1000)
        self.page.wait_for_timeout(KEY_DELAY * 1000)  # the pause after the last character
        self.keys += len(text)

    def press(self, *keys):
        for key in keys:
            self.page.keyboard.press(key)
            self.page.wait_for_timeout(KEY_DELAY * 1000)
            self.keys += 1


def person_number(index):
    return rid(f"44170219890{index % 9 + 1:01d}1{index % 9 + 1:01d}0{index:02d}")


def enter(page, index, other_category):
    typist = Typist(page)
    rows = page.locator("#recent-list li")
    before = rows.count()
    started = time.perf_counter()
    typist.type(person_number(index))
    typist.press("Tab")
    typist.type(f"王小{'一二三四五六七八九'[index % 9]}")
    typist.press("Tab")
    typist.type(f"138001380{index:02d}")
    if other_category:
        typist.press("Tab", "3", "2")  # untick the preset 快递员, tick 货车司机
    typist.press("Enter")
    # Checked on every animation frame (expect's polling steps would blur the figures).
    page.wait_for_function("n => document.querySelectorAll('#recent-list li').length === n",
                           arg=before + 1, polling="raf")
    return typist.keys, time.perf_counter() - started


def correct(page, drive):
    typist = Typist(page)
    started = time.perf_counter()
    typist.press("Escape", "Enter")  # the newest row's 更正
    reached = typist.keys
    page.wait_for_url(re.compile(r"/entry/\d+/$"))
    # The correction page puts the cursor in its first field (autofocus, applied after
    # the page loads): the clerk's Tabs start from there.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'id_id_number'",
                           polling="raf")
    typist.press("Tab", "Tab", "Control+a")  # ID → name → mobile
    typist.type("13912345678")
    typist.press("Enter")
    page.wait_for_url(re.compile(re.escape(reverse("drive_entry", args=[drive.pk])) + "$"))
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'id_id_number'",
                           polling="raf")  # ready for the next person
    elapsed = time.perf_counter() - started
    entry_ready(page)  # its keys (Esc) need the script: not part of the clerk's time
    return reached, typist.keys, elapsed


def report(name, runs):
    keys = statistics.median(run[0] for run in runs)
    seconds = statistics.median(run[-1] for run in runs)
    print(f"{name}: median {keys:g} keys, {seconds:.2f} s per person "
          f"(runs: {', '.join(f'{run[0]}/{run[-1]:.2f}s' for run in runs)})")
    return keys


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}])
def test_keys_and_seconds_per_person(page, people, drive, viewport):  # noqa: F811
    page.set_viewport_size(viewport)
    log_in(page, "jiangcheng_clerk", reverse("drive_entry", args=[drive.pk]))
    enter(page, 8, other_category=False)  # not measured: the first request warms the server
    preset = [enter(page, index, other_category=False) for index in range(3)]
    other = [enter(page, index, other_category=True) for index in range(3, 6)]
    corrections = [correct(page, drive) for _ in range(3)]
    print()
    assert report("preset category", preset) <= 35  # 18 + Tab + 3 + Tab + 11 + Enter
    assert report("another category", other) <= 38  # and Tab, 3, 2
    report("correction (reach, fix the mobile, save)", [(run[1], run[2]) for run in corrections])
    assert max(run[0] for run in corrections) <= 3  # reached from the running list
    assert Member.objects.count() == 7
    assert Member.objects.filter(is_truck_driver=True, is_courier=False).count() == 3
