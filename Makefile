# `make run`: set up everything and start the assistant.  `make test`: set up and run every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

TRAIN_INPUTS := config.yml domain.yml content/red_flags.yml $(shell find data -name '*.yml' 2>/dev/null) \
                $(wildcard bot/nlu/*.py) $(wildcard bot/safety/*.py)

.PHONY: help setup run test lint content train validate story-test eval bench browser-deps audit clean \
        cluster services nginx-deps

help:
	@echo "make run    set up and start the assistant (Rasa :5005, actions :5055, web :8000)"
	@echo "make test   set up and run every test (lint, data validation, pytest, story tests)"
	@echo "make eval   NLU report on tests/nlu/heldout.yml and the CLINC150 exam (+ confusion matrix PNG)"
	@echo "make bench  benchmarks: train time, model-ready time, memory, REST latency, detector cost"
	@echo "make cluster  REPLICAS (default 2) Rasa replicas behind nginx on :5005 (web :8000)"

# --- set-up -----------------------------------------------------------------------------------
$(VENV)/.installed: requirements.lock
	@python310="$$(scripts/find_python310.sh)" && echo "using $$python310" && \
	  { [ -x $(PY) ] || "$$python310" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	@touch $@

build/spacy-en/meta.json: $(VENV)/.installed bot/nlp.py
	$(PY) -m bot.nlp

# First run: .env.example with random development secrets (never a published value).
.env: | $(VENV)/.installed
	$(PY) -m bot.envfile .env.example .env

setup: $(VENV)/.installed build/spacy-en/meta.json .env

models/.trained: $(VENV)/.installed build/spacy-en/meta.json $(TRAIN_INPUTS)
	$(RASA) train --fixed-model-name toh --out models --quiet
	@touch $@

train: models/.trained

content: setup
	$(PY) -m bot db upgrade
	$(PY) -m bot content import --new-only

# Debian's Chromium for the browser tests (a test tool's own browser download fails here).
browser-deps:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null; fi; }

# PostgreSQL and Redis on 127.0.0.1 for the tests and the cluster: throwaway ones when none answers.
services:
	@scripts/ensure_services.sh

# Debian's nginx for `make cluster` (the load balancer).
nginx-deps:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq nginx >/dev/null; fi; }

# --- run ----------------------------------------------------------------------------------------
run: setup train content
	$(PY) -m bot.launch

cluster: setup train services nginx-deps
	$(PY) -m bot.cluster

# --- checks -------------------------------------------------------------------------------------
lint: setup
	$(VENV)/bin/ruff check bot actions tests scripts deploy
	$(VENV)/bin/mypy

validate: setup
	$(RASA) data validate --domain domain.yml --data data --config config.yml

story-test: train
	$(RASA) test core --stories tests/test_stories.yml --model models/toh.tar.gz \
	  --endpoints endpoints.yml --fail-on-prediction-errors --out build/story-results

# Known vulnerabilities in requirements.lock, each triaged in security/pip-audit-triage.toml.
# pip-audit has its own venv (it needs packaging>=23). Offline: ADVISORY_DB=<pypa/advisory-database>.
AUDIT_VENV := build/audit-venv
$(AUDIT_VENV)/.installed: security/requirements-audit.lock | $(VENV)/.installed
	$(PY) -m venv --clear $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps \
	  -r security/requirements-audit.lock
	@touch $@

audit: $(AUDIT_VENV)/.installed
	ADVISORY_DB="$${ADVISORY_DB:-security/advisory-db}" $(PY) scripts/audit_deps.py

test: setup train browser-deps services nginx-deps
	$(MAKE) --no-print-directory lint validate audit
	$(PY) -m bot content lint --dir content
	$(PY) -m bot db upgrade
	$(PY) -m pytest -p no:cacheprovider
	$(MAKE) --no-print-directory story-test

# Every frozen blind red-flag set, first to last: redflags_blind.yml, _v2 … _v9, then _v10 ….
BLIND_DIR = tests/safety/blind
BLIND_SETS = $(BLIND_DIR)/redflags_blind.yml $(sort $(wildcard $(BLIND_DIR)/redflags_blind_v?.yml)) \
	$(sort $(wildcard $(BLIND_DIR)/redflags_blind_v??.yml))

eval: train
	$(PY) scripts/evaluate_nlu.py
	$(PY) scripts/evaluate_red_flags.py --sets $(BLIND_SETS) data/red_flags/validation.yml

bench: train services nginx-deps
	$(PY) scripts/bench_detector.py
	$(PY) scripts/bench_assistant.py
	$(PY) scripts/stress_cluster.py
	$(PY) scripts/bench_vs_stock.py

clean:
	rm -rf build models reports .pytest_cache
