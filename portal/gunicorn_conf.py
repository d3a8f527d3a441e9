"""gunicorn settings for `python -m portal.serve web` (make run and docker compose alike)."""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"  # with CONN_MAX_AGE each worker keeps its database connection
timeout = 60
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Behind a TCP load balancer (docker-compose.yml's `proxy`): the PROXY protocol line it sends first
# gives the client's own address as REMOTE_ADDR, which the per-address sign-in and rate limits
# count (a forwarded HTTP header would be whatever the client wrote). Only from the addresses in
# PROXY_ALLOW_IPS; connections without the line (health checks) are served as usual.
proxy_protocol = os.environ.get("PORTAL_PROXY_PROTOCOL", "off")
proxy_allow_ips = os.environ.get("PROXY_ALLOW_IPS", "127.0.0.1,::1")
