# Production image: gunicorn serves the app, whitenoise serves collected static files.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TZ=Asia/Shanghai \
    VAR_DIR=/app/var

WORKDIR /app
# pg_dump / pg_restore for manage.py backup_database and restore_database (docs/BACKUP.md; the client's
# major version matches the postgres:15 service); fonts-noto-cjk for the Chinese labels of report charts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings to import; this key is used for this build step only.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-step-only DEMO_DATA_ALLOWED=0 python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app app \
    && mkdir -p /app/var/media /backups \
    && chown -R app /app/var /backups

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
