# Two commands do everything: `make demo` and `make test`. Both create .venv if needed,
# install the package with its extras, and are safe to run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint bench bench-sweep docs validate clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,zh,explore]'
	touch $(STAMP)

# The main job: the baseline county, then the baseline against three policy packages
# (5 seeds each, common random numbers), with charts and a one-file briefing.
demo: $(STAMP)
	$(BIN)/tieredcare run scenarios/baseline.yaml --out results/baseline --overwrite
	$(BIN)/tieredcare plot results/baseline
	$(BIN)/tieredcare compare scenarios/baseline.yaml scenarios/sanming_style.yaml \
		scenarios/family_doctor_drive.yaml scenarios/county_medical_community.yaml \
		--replicates 5 --out results/demo --overwrite
	$(BIN)/tieredcare plot results/demo
	$(BIN)/tieredcare report results/demo
	@echo "Baseline run: results/baseline/   Briefing: results/demo/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest

test-all: $(STAMP)
	$(BIN)/python -m pytest -m "slow or not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py

docs: $(STAMP)
	$(BIN)/python -m tieredcare.docs --write README.md

# Published evaluations of tiered-care and family-doctor policies against the model's
# effects (validation/studies): report.md, validation.png and validation.parquet.
validate: $(STAMP)
	$(BIN)/tieredcare validate-effects --out results/validation --overwrite

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
