# DeepTrace: `make run` starts the app on embedded defaults, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Tests run on the real services of this machine kind; override to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

SAMPLE ?= ../shared/data/ffpp-sample
RELEASE ?= lite0-ffpp-$(shell date +%Y%m%d)

.PHONY: install run test migrate superuser published-model bench bench-train release-model extension browser clean

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

install: $(STAMP)

# Debian's Chromium drives the browser tests (Playwright cannot download its own browser here);
# ffmpeg makes the VP8 WebM clips the browser tests play; nginx fronts the slow-client drill.
browser:
	@command -v chromium >/dev/null && command -v ffmpeg >/dev/null && test -x /usr/sbin/nginx || \
	{ apt-get update -qq && apt-get install -y -qq chromium ffmpeg nginx; }

# The local development configuration (DEBUG on, a generated secret key), written once and never
# committed. manage.py reads it, so the README's `.venv/bin/python manage.py ...` commands work as printed.
.env:
	$(PYTHON) deepfake_site/localenv.py .env

migrate: install .env
	$(BIN)/python manage.py migrate --noinput

# An admin account for the admin and the review queue (asks for name and password).
superuser: migrate
	$(BIN)/python manage.py createsuperuser

# The newest published model (../shared/models, or DEEPTRACE_PUBLISHED_MODELS) when none is active.
published-model: migrate
	$(BIN)/python manage.py install_model --published --if-none-active

# Web server and a Celery worker, with beat (the sweeper, the retention purge) inside it; Ctrl-C stops
# both. SQLite and a filesystem broker unless DATABASE_URL / REDIS_URL are set.
run: migrate published-model
	@echo "DeepTrace on http://127.0.0.1:8000  (admin: make superuser; no model yet? $(BIN)/python manage.py install_model --random)"
	set -a; . ./.env; set +a; \
	$(BIN)/celery -A deepfake_site worker -B -Q analysis,default --loglevel INFO & \
	worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install browser
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/analyze.py

# Training throughput (crops/s, forward + backward + step) per precision variant, CPU and CUDA, and the
# --precision auto step with glibc's default allocator settings against freed memory kept.
bench-train: install
	$(BIN)/python bench/train.py --allocator

# The release candidate: 5-fold group cross-validation of the default recipe on the sample (its card's
# measurement and threshold), then a model trained on every video. Publish it with
# `manage.py publish_model var/release/$(RELEASE)`. Released as measured: the default recipe (bf16
# where the CPU has it natively, 160 px on a CPU) with Platt calibration of the served probability on
# the out-of-fold scores: 68 min measured on the slower 2-core EPYC. TRAIN_ARGS replaces it
# (TRAIN_ARGS="--calibration platt --image-size 112": the 36-minute release at 112 px).
# The default recipe self-blends a quarter of its fakes (measured better at two seeds, docs/training.md);
# TRAIN_ARGS="--calibration platt --self-blend-rate 0" releases the recipe as it was before 2026-12-07.
TRAIN_ARGS ?= --calibration platt
release-model: install .env
	$(BIN)/python manage.py train_model --data $(SAMPLE) --cv 5 --final --workers 2 \
		--output var/release/$(RELEASE) $(TRAIN_ARGS)

clean:
	rm -rf var .pytest_cache

# The browser extension: dist/deeptrace-extension/ to load unpacked, dist/deeptrace-extension.zip for
# the stores (standard-library Python only; the icons are drawn by the build).
extension:
	$(PYTHON) extension/build.py
