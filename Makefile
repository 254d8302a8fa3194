# Prescreen: common tasks. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install env run train spacy validate test test-deploy test-unit test-stories evaluate nlu-gate audit bench lint translations clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

install:  ## create .venv (Python 3.10: Rasa, actions) and .venv-web (3.12: web apps, notifier, CLI), pinned
	@scripts/setup.sh

env: install  ## create .env with fresh keys (never overwrites)
	@scripts/make_env.sh

run: env  ## run everything: assistant, actions, chat page, coordinator app
	@$(PY) -m bot.ops.run

spacy: install  ## build the spaCy entity-ruler pipeline
	@$(PY) -m bot.nlu.terms

train: install  ## train the model (English and Chinese) if data, config or domain changed
	@$(PY) -m bot.nlu.training

validate: spacy results  ## rasa data validate (form-asked responses are reported unused: expected)
	@$(RASA) data validate --domain domain.yml --data data/nlu data/zh/nlu data/rules > results/validate.log 2>&1 \
	  && echo "rasa data validate: OK" || { grep -v "is not used in any story or rule" results/validate.log; exit 1; }

test-unit: install  ## the fast inner loop: rules, readers, store on SQLite, actions, apps (no servers, no training)
	@$(PY) -m pytest tests -m "not e2e and not browser and not postgres and not slow" -q

test-stories: train  ## test conversations through the trained model
	@scripts/test_stories.sh

evaluate: train  ## both languages: held-out tests, 5-fold cross-validation, stories, age/phone tables -> reports/summary.md
	@$(PY) -m tools.evaluation evaluate

nlu-gate: train  ## fail if the NLU got worse than tests/nlu/baseline.json, English or Chinese (~40 s)
	@$(PY) -m tools.evaluation gate

bench: train  ## load benchmark: this project's configuration vs Rasa's stock one -> reports/bench.json
	@$(PY) -m tools.bench $(ARGS)

bench-coordinator:  ## the coordinator app at 100,000 screenings, SQLite and PostgreSQL -> reports/bench-coordinator.json
	@$(PY) -m tools.bench_coordinator $(ARGS)

audit: install  ## pip-audit of the installed packages against tests/security/accepted_vulnerabilities.yml
	@scripts/audit.sh

test: install validate train  ## everything: lint, unit, store on SQLite and PostgreSQL, stories, NLU gate, end-to-end, browser
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-stories
	@$(MAKE) --no-print-directory nlu-gate
	@$(MAKE) --no-print-directory audit
	@$(PY) -m pytest tests -q

test-deploy: install  ## images + compose.yaml under podman: prescreens over TLS, coordinator app, backup/restore (not in `make test`)
	@scripts/test_deploy.sh

results:
	@mkdir -p results

lint: install  ## ruff (bot, actions, tools, tests) and mypy (bot, actions)
	@$(VENV)/bin/ruff check bot actions tools tests
	@$(VENV)/bin/mypy

COORDINATOR_TRANSLATIONS := bot/web/coordinator/translations
NOTIFY_TRANSLATIONS := bot/notify/translations
translations: install  ## coordinator app and study-team messages: update the Chinese catalogues from the code, compile them (commit .po and .mo)
	@$(VENV)/bin/pybabel extract -F babel.cfg -k _l --no-location --omit-header --sort-output -o build/coordinator.pot .
	@$(VENV)/bin/pybabel update -i build/coordinator.pot -d $(COORDINATOR_TRANSLATIONS) -l zh -w 120 --ignore-obsolete
	@$(VENV)/bin/pybabel compile -d $(COORDINATOR_TRANSLATIONS) --statistics
	@# bot/notify: its own catalogue (domain "notify"), every .py of the folder, msgids from gettext / ngettext
	@$(VENV)/bin/pybabel extract --no-location --omit-header --sort-output -o build/notify.pot bot/notify
	@$(VENV)/bin/pybabel update -D notify -i build/notify.pot -d $(NOTIFY_TRANSLATIONS) -l zh -w 120 --ignore-obsolete
	@$(VENV)/bin/pybabel compile -D notify -d $(NOTIFY_TRANSLATIONS) --statistics

clean:  ## remove build outputs (not .env, not var/)
	rm -rf build models results reports .pytest_cache
