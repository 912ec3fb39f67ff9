"""gunicorn's settings for unionreg, the production way to serve it:

    gunicorn -c unionreg/gunicorn.conf.py

Environment: ``GUNICORN_BIND`` (default 127.0.0.1:8000), ``GUNICORN_WORKERS`` (default:
one per CPU), ``GUNICORN_THREADS`` (default 4), ``GUNICORN_TIMEOUT`` (default 60 s). The
figures behind the defaults are in bench/RESULTS.md (issue 20: ``python -m bench --load``).
"""

import gc
import os

wsgi_app = "unionreg.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# A page spends part of its time waiting for PostgreSQL, which runs on the same
# machine: a few threads per process keep the CPUs busy while one waits, with less
# memory than more processes. More processes than CPUs only added switching.
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# An inline export (up to EXPORT_INLINE_MAX_ROWS) or a small import is checked within
# the request; bigger ones go to the worker. 60 s leaves room on a loaded server.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# Connections from the reverse proxy are kept open between requests.
keepalive = 5
# The application is imported once, in the master, and shared by the workers
# copy-on-write; gc.freeze() (pre_fork) moves everything imported so far out of the
# collector's reach, so collections in the workers neither walk nor touch (and so copy)
# those pages.
preload_app = True


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    # No database connection may cross a fork (the master opens none, but be sure).
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
