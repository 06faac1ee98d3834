# syntax=docker/dockerfile:1
# The Rasa server (REST + SMS channels, ContentNLG, red-flag screen) on :5005.
# Build from the repo root:  docker build -f deploy/docker/rasa.Dockerfile -t toh-assistant/rasa:0.1.0 .
# Stages: `base` installs requirements.lock; `model` trains the model (`rasa train`, ~3 min);
# the last stage copies only what the server reads. To serve another model without rebuilding,
# mount a directory holding one .tar.gz over /app/models.

FROM python:3.10.18-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
COPY requirements.lock /tmp/requirements.lock
# Exactly the lock, as `make` installs it (--no-deps: the lock already lists every package).
RUN python -m venv /opt/venv \
 && pip install --no-cache-dir pip==24.0 \
 && pip install --no-cache-dir --no-deps -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock
WORKDIR /app

FROM base AS model
COPY bot ./bot
COPY config.yml domain.yml ./
COPY data ./data
COPY content ./content
RUN python -m bot.nlp \
 && rasa train --fixed-model-name toh --out models --quiet

FROM base AS rasa
RUN groupadd --gid 10001 toh \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin toh
COPY bot ./bot
COPY content ./content
COPY endpoints.yml credentials.yml ./
COPY deploy/healthcheck.py ./deploy/healthcheck.py
COPY --from=model /app/build/spacy-en ./build/spacy-en
COPY --from=model /app/models ./models
# Rasa unpacks the model and writes its settings under $HOME: /tmp (an emptyDir on Kubernetes).
ENV HOME=/tmp MPLCONFIGDIR=/tmp/matplotlib RASA_CACHE_DIRECTORY=/tmp/rasa-cache
USER 10001:10001
EXPOSE 5005
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["python", "deploy/healthcheck.py", "http://127.0.0.1:5005/webhooks/rest/"]
# As bot/launch.py starts it, with Rasa's HTTP API off (no --enable-api) and CORS limited to
# ALLOWED_ORIGINS (comma separated; empty: no cross-origin browser calls). exec: rasa is PID 1
# and gets SIGTERM.
CMD ["/bin/sh", "-c", "exec rasa run --model models --port 5005 --endpoints endpoints.yml --credentials credentials.yml --cors $(echo \"$ALLOWED_ORIGINS\" | tr ',' ' ')"]
