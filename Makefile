# dse-workbench: `make serve` (dashboards) and `make test` (whole suite) are all a user needs.
# Each target bootstraps .venv through the idempotent `make setup`, which reinstalls only when
# requirements.lock or pyproject.toml changed since the last successful setup.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done
PORT   ?= 8866
PYTEST_ARGS ?=

.PHONY: setup serve lab test test-fast bench bench-aihwkit bench-neurosim reproduce lint clean-venv sparce-kernels

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "setup done: $(VENV)"

serve: setup
	$(VENV)/bin/workbench serve --port $(PORT)

lab: setup
	$(VENV)/bin/workbench lab

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Optional: TxSim vs IBM aihwkit side by side. aihwkit 1.1.0's cp311 wheel needs torch 2.10 (it fails with the
# project's 2.13), so it gets its own venv, .venv-aihwkit: torch 2.10 + aihwkit 1.1.0 from PyPI, SEVERAL GB
# (~7 GB with torch's CUDA libraries), built once here; the two sides talk through files. Any failure (no network,
# no space, a crash) prints one line "skipped: reason".
AIHWKIT_VENV ?= .venv-aihwkit
bench-aihwkit: setup
	@test -x $(AIHWKIT_VENV)/bin/python -a -f $(AIHWKIT_VENV)/.setup-done || { \
	  echo "building $(AIHWKIT_VENV): torch==2.10.0 + aihwkit==1.1.0 from PyPI (several GB)"; \
	  $(PYTHON) -m venv $(AIHWKIT_VENV) && \
	  $(AIHWKIT_VENV)/bin/python -m pip install --quiet torch==2.10.0 aihwkit==1.1.0 && \
	  touch $(AIHWKIT_VENV)/.setup-done; } || echo "skipped: could not build $(AIHWKIT_VENV) (pip failed)"
	$(PY) benchmarks/bench_txsim.py --aihwkit

# Optional: the component library next to NeuroSim's circuit modules at matched conditions. NeuroSim's C++ sources
# are checked out and built outside the repository, at NEUROSIM_DIR (default /work/peers/neurosim); without them the
# benchmark prints why it is skipped. ARGS=--write rewrites data/reference/components_neurosim.csv.
bench-neurosim: setup
	$(PY) benchmarks/bench_neurosim.py $(ARGS)

reproduce: setup
	$(VENV)/bin/workbench reproduce
	$(VENV)/bin/workbench regenerate components

lint: setup
	$(VENV)/bin/ruff check .

# Rebuild the SparCE AArch64 kernel binaries (needs Debian's gcc-aarch64-linux-gnu; the built .bin/.json are
# committed, so a machine without the cross compiler uses them as they are).
sparce-kernels:
	workbench/sparce/kernels/build.sh

clean-venv:
	rm -rf $(VENV)
