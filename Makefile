# Kaifang's two commands: `make demo` serves the demo portal at http://127.0.0.1:8000, and
# `make test` runs every check. Both set up what they need on a fresh machine (a virtual
# environment, the front-end assets, services for the tests) and reuse it afterwards: each step
# leaves a stamp file, so make redoes a step only when its inputs change.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/kaifang/web/static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help demo serve test lint format bench bench-datastore bench-harvest bench-search venv assets services chromium clean

help:
	@echo "make demo    演示站点 / serve the demo portal at http://$(HOST):$(PORT)"
	@echo "make test    全部检查 / lint, migrations, the suite on SQLite and on PostgreSQL"
	@echo "make serve   启动服务（不加载演示数据）/ serve KAIFANG_HOME without demo data"
	@echo "make bench   页面性能基准 / page benchmarks, written to docs/benchmarks.md"
	@echo "make bench-datastore  数据存储基准（2 核 30–60 分钟）/ datastore vs PostgreSQL and Datasette"
	@echo "make bench-harvest  采集基准（1 千与 1 万个数据集）/ harvest 1k and 10k from a local CKAN API"
	@echo "make bench-search  检索基准（10 万个数据集）/ search and suggest on a synthetic catalog"
	@echo "make lint    ruff check + ruff format --check"
	@echo "make format  ruff format + ruff check --fix"
	@echo "make clean   删除虚拟环境、node_modules 与构建产物 / remove venv, node_modules, build output"

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR)/.installed: node_modules/.installed scripts/vendor-assets.sh
	scripts/vendor-assets.sh
	touch $@

venv: $(BIN)/.installed

assets: $(VENDOR)/.installed

demo: venv assets
	$(BIN)/kaifang demo --host $(HOST) --port $(PORT) --workers $(WORKERS)

serve: venv assets
	$(BIN)/kaifang init
	$(BIN)/kaifang serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

services:
	scripts/ensure-services.sh

chromium:
	scripts/ensure-chromium.sh

test: venv assets services chromium
	scripts/run-tests.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv assets
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/pages.py --search-cache 0

# Generates a 5-million-row file, installs Datasette and sqlite-utils into their own venv under
# var/bench-datastore, starts PostgreSQL and Redis when down; never part of `make test`.
bench-datastore: venv
	$(BIN)/python bench/datastore/run.py

# A local CKAN Action API (packages made on the fly) and fresh SQLite data folders under
# var/bench-harvest; never part of `make test`.
bench-harvest: venv
	$(BIN)/python bench/harvest/run.py

# Generates a synthetic catalog in var/bench-search/<N> (kept and reused), builds its index and
# times searches and suggestions; never part of `make test`. DATASETS=1000000 for the large one.
DATASETS ?= 100000
bench-search: venv
	$(BIN)/python bench/search/run.py --datasets $(DATASETS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) src/*.egg-info
