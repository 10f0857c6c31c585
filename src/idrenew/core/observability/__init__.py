"""Operations: request ids, JSON logs, Prometheus metrics, health and readiness (issue #13).

- ``request_id``: the id of the request being served (from the proxy's ``X-Request-ID`` or
  generated), carried into log lines and into Celery tasks.
- ``logging``: the JSON formatter (one object per line) and the filter that adds the id.
- ``metrics``: the Prometheus metrics, process-local or gunicorn/Celery multiprocess, and the
  collector that reads the funnel, the outbox and the task queue from the database.
- ``middleware``: per request, the id, the access log line and the request metrics.
- ``readiness``: ``/readyz``'s checks (database, cache, broker, storage, signing CA, models).
- ``worker``: the Celery worker's hooks (request id, its own metrics endpoint).
"""
