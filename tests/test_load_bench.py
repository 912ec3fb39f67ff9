"""The production server's configuration (unionreg/gunicorn.conf.py) and the load
benchmark's rules (bench/mix.py; the benchmark itself runs with ``python -m bench
--load``, its figures are printed, never asserted)."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from django.middleware.csrf import get_token
from django.template import engines
from django.test import RequestFactory

from bench import mix
from members.identity import parse_resident_id

BASE_DIR = Path(__file__).resolve().parent.parent


def gunicorn(*args, **env):
    environ = {**os.environ, "DEBUG": "0", "SECRET_KEY": "k" * 50, **env}
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "unionreg/gunicorn.conf.py", *args],
        cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=120,
    )


def test_gunicorn_loads_the_config_and_the_application():
    result = gunicorn("--check-config")
    assert result.returncode == 0, result.stderr


def test_gunicorn_config_reads_workers_and_threads_from_the_environment():
    result = gunicorn("--print-config", GUNICORN_WORKERS="3", GUNICORN_THREADS="2",
                      GUNICORN_BIND="127.0.0.1:8123")
    assert result.returncode == 0, result.stderr
    config = dict(map(str.strip, line.split(" = ", 1))
                  for line in result.stdout.splitlines() if " = " in line)
    assert {key: config[key] for key in (
        "workers", "threads", "worker_class", "preload_app", "bind", "wsgi_app")} == {
        "workers": "3", "threads": "2", "worker_class": "gthread", "preload_app": "True",
        "bind": "['127.0.0.1:8123']", "wsgi_app": "unionreg.wsgi:application"}


def test_entry_numbers_are_valid_resident_ids_and_never_repeat():
    first, second = mix.id_numbers(0, 1200), mix.id_numbers(1200, 1200)
    assert len(set(first + second)) == 2400
    for number in first[:3] + first[499:502] + second[-2:]:
        document = parse_resident_id(number)
        assert document.gender == mix.gender(number)
        assert document.birth_date >= mix.FIRST_BIRTH_DAY


def test_entry_form_carries_what_the_entry_page_sends():
    number = mix.id_numbers(7, 1)[0]
    form = mix.entry_form(number, 3, date(2026, 1, 5), "tok")
    assert (form["id_number"], form["gender"], form["joined_on"]) == (number, "男", "2026-01-05")
    assert form["csrfmiddlewaretoken"] == "tok"


def test_hidden_values_are_read_from_a_rendered_form():
    request = RequestFactory().get("/")
    get_token(request)
    html = engines["django"].from_string(
        '<form>{% csrf_token %}<input type="hidden" name="token" value="abc123"></form>'
    ).render({}, request)
    csrf = mix.hidden_value(html, "csrfmiddlewaretoken")
    assert len(csrf) == 64 and f'value="{csrf}"' in html
    assert mix.hidden_value(html, "token") == "abc123"
    assert mix.hidden_value("<p>no form</p>", "token") == ""


def test_officials_open_every_list_in_turn():
    assert {mix.official_list(turn) for turn in range(3)} == set(mix.OFFICIAL_LISTS)


def test_import_roster_has_a_header_and_one_row_per_person():
    numbers = mix.id_numbers(0, 3)
    lines = mix.import_csv(numbers, "U1", "2026-01-05").decode("utf-8").splitlines()
    assert lines[0].split(",")[3] == "身份证号码"
    assert [line.split(",")[3] for line in lines[1:]] == numbers
