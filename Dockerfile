# Partner Portal: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (pango; harfbuzz-subset keeps font subsetting fast), CJK fonts for
# Japanese PDFs, gettext to compile translations.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-cjk fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN DJANGO_SETTINGS_MODULE=portal.settings.production DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
      sh -c "python manage.py compilemessages --ignore .venv -v 0 && python manage.py collectstatic --noinput -v 0" \
 && useradd --create-home --uid 1000 portal && mkdir -p /app/.local/media && chown -R portal /app/.local

USER portal
EXPOSE 8000
CMD ["python", "-m", "portal.serve", "web"]
