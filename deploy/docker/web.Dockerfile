# syntax=docker/dockerfile:1
# The web app on :8000: the demo clinic page with the chat widget, and the content editor.
# Build from the repo root:  docker build -f deploy/docker/web.Dockerfile -t toh-assistant/web:0.1.0 .
# The same image loads content/ into the store (`python -m bot content import --new-only`,
# the compose service `content-init` and the Kubernetes Job).

FROM python:3.10.18-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
 && pip install --no-cache-dir pip==24.0 \
 && pip install --no-cache-dir --no-deps -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock
WORKDIR /app

FROM base AS web
RUN groupadd --gid 10001 toh \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin toh
COPY bot ./bot
COPY content ./content
COPY deploy/healthcheck.py ./deploy/healthcheck.py
ENV HOME=/tmp MPLCONFIGDIR=/tmp/matplotlib
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "deploy/healthcheck.py", "http://127.0.0.1:8000/"]
# As bot/launch.py starts it; 0.0.0.0 because the container's network is the boundary.
CMD ["python", "-m", "bot", "web", "--host", "0.0.0.0", "--port", "8000"]
