import os

from django.core.wsgi import get_wsgi_application

from portal.embedded import ensure_database_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
ensure_database_url()
application = get_wsgi_application()
