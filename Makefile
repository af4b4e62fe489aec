# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   — install, validate the bundled example workbooks and write their reports to out/
#   make test   — install (with test dependencies and Debian's chromium) and run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
XLPY    = $(BIN)/xlpy
export XLWINGS_LICENSE_KEY ?= noncommercial

.PHONY: setup demo test test-deps pdf-deps workbooks bench bench-readme check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[all]'
	@touch $@

setup: $(VENV)/.installed

demo: setup
	@echo "== 校验 北沟镇 2020（2019年版格式）=="
	-$(XLPY) validate workbook/examples/beigou-2020.xlsx
	@echo "== 校验 淮安市 2024（2021年版格式）=="
	-$(XLPY) validate workbook/examples/huaian-2024.xlsx
	@echo "== 生成报告到 out/ =="
	$(XLPY) render workbook/examples/huaian-2024.xlsx -o out/huaian-2024
	$(XLPY) render workbook/examples/beigou-2020.xlsx -o out/beigou-2020 --draft
	@ls -1 out/*

# Debian packages the tests use: chromium (browser tests), LibreOffice + Noto CJK fonts (PDF, opening
# workbooks as WPS would; python3-uno drives it: typing into cells, listing a workbook's macros), PostgreSQL
# (the workspace's database tests). As root we install what is missing;
# otherwise the tests that need them skip with a reason.
DEB_PACKAGES = chromium libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-noto-cjk postgresql
# tools/ holds the npm packages the tests use (acorn: the add-in scripts must parse as ES5).
test-deps: setup
	@if command -v npm >/dev/null; then npm ci --prefix tools --no-audit --no-fund --silent; fi
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; fi

# PDF output on a server: LibreOffice (headless Writer), python3-uno for the warm converter, and the Noto CJK faces templates/pdf/fonts.conf maps
# the 公文 fonts to. Part of test-deps too; this target installs only what `xlpy render --to pdf` needs.
PDF_PACKAGES = libreoffice-writer-nogui python3-uno fonts-noto-cjk
pdf-deps:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "PDF: LibreOffice and Noto CJK are installed"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "as root: apt-get install $$missing"; exit 1; fi

test: test-deps
	$(BIN)/pytest -q

# The linters CI runs before the tests: ruff (pyflakes, pycodestyle, isort, bugbear, pyupgrade), ruff format, mypy.
check: setup
	$(BIN)/ruff check xlpy tests bench
	$(BIN)/ruff format --check xlpy tests bench
	$(BIN)/mypy xlpy

# Regenerate the committed workbooks from schemas/ and the example JSON (tests check they are current).
workbooks: setup
	$(BIN)/python -m xlpy.workbook_files

bench: setup
	$(BIN)/python bench/run_all.py

# README's "## Performance" section, every figure from this run (paste it over the section).
bench-readme: setup
	$(BIN)/python bench/readme_table.py

clean:
	rm -rf out .pytest_cache
