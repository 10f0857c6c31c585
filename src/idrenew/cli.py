"""The ``idrenew`` command: the project's own commands, and Django's under their names."""

from __future__ import annotations

import os
import sys

USAGE = """usage: idrenew COMMAND [options]

  demo [--port 8000]   migrate, seed demo data, serve on 127.0.0.1 (business hours ignored)
  serve                serve with gunicorn (IDRENEW_BIND, IDRENEW_WEB_WORKERS)
  migrate              create or update the database tables
  seed-demo            create or refresh the demo customers
  createreviewer NAME  create a back-office staff account (reviewer by default)
  worker               start a Celery worker (needs IDRENEW_CELERY_BROKER_URL)
  expire-cases         close unfinished cases past their time limit
  housekeeping         expire-cases, then delete spent captchas, codes, tokens, keys (cron)
  face compare A B [--json] | face compare --pairs CSV --root DIR [--json]
                       same person? (1:1 face match with the shipped model)
  face liveness CLIP --actions turn_left,blink [--json]
                       check a recorded clip for the given actions
  synth-idcards --out DIR --count N --seed S [--negatives 0.2]
                       render synthetic ID card photos with ground-truth JSON (tests, bench)
  ca init [--force]    create the signing CA (root, broker signing and TSA certs; encrypted)
  ca revoke SERIAL [--reason keyCompromise|superseded|...]
                       put a certificate (hex serial, e.g. a signed document's customer
                       certificate) on the CA's revocation list and re-issue the CRL
  ca crl --out FILE    write the CA's current CRL (DER; also served at /backoffice/ca.crl)
  pdf verify FILE [--json]
                       check a signed PDF's signatures (intact, trusted, timestamp, revoked)
  pdf sample --out FILE
                       render and sign the application form for a generated demo case
  outbox dispatch [--loop SECONDS] | outbox status
                       deliver due outbox events (counter update, CFMMC report, SMS) with
                       retries and backoff; dead letters are listed in the back office
  cfmmc export [--date YYYY-MM-DD] --out FILE
                       a day's CFMMC customer-data-change batch as CSV (built-in file adapter)
  stp-report           share of submitted cases the straight-through rule would approve
  remind-expiring --days 30 [--dry-run]
                       SMS each customer whose ID expires within the window (once per period)
  sms-receipts         record the SMS vendor's delivery receipts on the SMS log (cron)
  purge-biometrics [--dry-run]
                       delete face frames, embeddings and card portraits N days after decision
  evidence-export REFERENCE --out FILE
                       a case's evidence bundle (JSON, images, PDFs, audit trail, hashes)
  vendors check [--json]
                       call each configured vendor's cheapest read-only API (SMS, identity
                       check) and report what works; exit status 1 when one fails
  backup --out DIR     database, stored files, signing CA (encrypted), CFMMC batches, with a
                       SHA-256 manifest (encrypted with IDRENEW_BACKUP_KEY; production needs it)
  restore DIR [--verify-only]
                       check a backup, then restore it into an empty environment (same keys)
  error-codes [--write | --check]
                       the error-code registry as a table; --write regenerates docs/api.md's
                       table and frontend/src/api/error-codes.ts, --check fails when stale

Any other Django management command works too (e.g. idrenew check --deploy).
"""

ALIASES = {"seed-demo": "seed_demo", "expire-cases": "expire_cases"}  # others: - → _


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        sys.stdout.write(USAGE)
        return
    if args[0] == "demo":
        os.environ.setdefault("IDRENEW_IGNORE_BUSINESS_HOURS", "1")
        os.environ.setdefault("IDRENEW_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idrenew.settings")
    from django.core.management import execute_from_command_line

    command = ALIASES.get(args[0], args[0].replace("-", "_"))
    execute_from_command_line(["idrenew", command, *args[1:]])


if __name__ == "__main__":
    main()
