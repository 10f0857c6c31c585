import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idrenew.settings")
application = get_wsgi_application()

from idrenew.core import checks  # noqa: E402  (needs the apps loaded above)

# Production serves nothing while `idrenew check --deploy` reports an error; under
# `idrenew serve` the master process has checked once before forking its workers.
if not checks.startup_checked():
    checks.refuse_to_serve_on_errors()
