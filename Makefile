# The two commands of the README: `make run` and `make test`. Each sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_START := pg_ctlcluster --skip-systemctl-redirect 15 main start

.PHONY: run test setup postgres go bench bench-tick bench-log bench-scale bench-office bench-report bench-public bench-tiles bench-witness browser pdf docs-assets

# Rebuilt when either file changes: the floors in pyproject.toml, the exact versions in constraints.txt.
$(BIN)/registry: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/registry

# Serves the registry on the embedded default store (SQLite, ./registry.db) with the demo data set loaded.
run: setup pdf
	$(BIN)/registry serve --demo

# The scripts of /docs and /redoc, served by the registry itself (no CDN): npm's swagger-ui-dist and redoc, copied
# with their licences into api/static/docs (its README says from where). Run it again after changing a version.
SWAGGER_UI_DIST := 5.35.0
REDOC := 2.5.4
DOCS_ASSETS := $(CURDIR)/api/static/docs
docs-assets:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_DIST) redoc@$(REDOC) >/dev/null \
	  && mkdir s r && tar xzf swagger-ui-dist-$(SWAGGER_UI_DIST).tgz -C s && tar xzf redoc-$(REDOC).tgz -C r \
	  && cd s/package && cp swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png \
	     LICENSE NOTICE $(DOCS_ASSETS)/swagger-ui/ \
	  && cd ../../r/package && cp bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE \
	     $(DOCS_ASSETS)/redoc/ \
	  && rm -rf $$tmp && echo "api/static/docs: swagger-ui-dist $(SWAGGER_UI_DIST), redoc $(REDOC)"

# The accessibility check of the office's browser tests (tests/e2e/axe.py): npm's axe-core, copied with its licences
# into tests/vendor/axe-core (its README says from where), committed: the machines that run the tests are offline.
# Run it again after changing the version.
AXE_CORE := 4.14.1
AXE_DIR := $(CURDIR)/tests/vendor/axe-core
axe:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_CORE) >/dev/null \
	  && tar xzf axe-core-$(AXE_CORE).tgz && mkdir -p $(AXE_DIR) \
	  && cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt $(AXE_DIR)/ \
	  && sha256=$$(sha256sum $(AXE_DIR)/axe.min.js | cut -d' ' -f1) \
	  && printf '%s\n' "# axe-core $(AXE_CORE)" "" \
	     "The accessibility engine the office's browser tests run (tests/e2e/axe.py), vendored because the machines" \
	     "that run the tests are offline. From the npm registry: \`npm pack axe-core@$(AXE_CORE)\`" \
	     "(https://registry.npmjs.org/axe-core/-/axe-core-$(AXE_CORE).tgz), by \`make axe\`; its files as published:" "" \
	     "- \`axe.min.js\` (SHA-256 $$sha256)" \
	     "- \`LICENSE\` (Mozilla Public License 2.0) and \`LICENSE-3RD-PARTY.txt\`" "" \
	     "To update: change AXE_CORE in the Makefile, run \`make axe\`, and commit this folder." > $(AXE_DIR)/README.md \
	  && rm -rf $$tmp && echo "tests/vendor/axe-core: axe-core $(AXE_CORE)"

# PostgreSQL 15 on 127.0.0.1:5432 is part of every machine; start it if it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is down: starting it ($(PG_START))"; $(PG_START); }

# The /verify page tests drive Debian's headless Chromium (never `playwright install`: no network here), and its
# screenshots need a Chinese font to be readable.
browser:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the page tests"; apt-get install -y chromium || (apt-get update && apt-get install -y chromium); }
	@fc-list :lang=zh | grep -q . || { echo "installing a Chinese font for the page screenshots"; apt-get install -y fonts-wqy-zenhei || (apt-get update && apt-get install -y fonts-wqy-zenhei); }

# R-REC-4 is checked by a verifier nobody here wrote: Go's golang.org/x/mod/sumdb/note, unmodified, from Debian
# (tests/third_party.py builds the glue in tests/golden/c2sp_verify offline against /usr/share/gocode).
go:
	@{ command -v go >/dev/null && test -d /usr/share/gocode/src/golang.org/x/mod/sumdb/note; } || { echo "installing Debian's Go and golang.org/x/mod for the log's third-party verifier"; apt-get install -y golang-go golang-golang-x-mod-dev || (apt-get update && apt-get install -y golang-go golang-golang-x-mod-dev); }

# The certificate PDF (WeasyPrint) needs Pango and a Chinese font; its tests read the PDF back with poppler.
pdf:
	@{ ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset; } || { echo "installing Pango and HarfBuzz-Subset for the certificate PDF"; apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 || (apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0); }
	@fc-list :lang=zh | grep -q . || { echo "installing a Chinese font for the certificate PDF"; apt-get install -y fonts-wqy-zenhei || (apt-get update && apt-get install -y fonts-wqy-zenhei); }
	@command -v pdftoppm >/dev/null || { echo "installing poppler-utils (pdftoppm, pdftotext) for the certificate tests"; apt-get install -y poppler-utils || (apt-get update && apt-get install -y poppler-utils); }

# The public lookup benchmark: 1,000,000 certificates in PostgreSQL (needs wrk: apt-get install -y wrk).
bench: setup postgres
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/public_lookup.py

# One scheduler run over 100,000 certificates, nothing due and 1 % due.
bench-tick: setup postgres
	$(BIN)/python bench/scheduler_tick.py

# The Merkle log over 1,000,000 events: building the tree against hashlib alone, proofs at that size.
bench-log: setup postgres
	$(BIN)/python bench/merkle_log.py

# At scale (issue 9): 1,000,000 certifications walked through the application into PostgreSQL, then the rebuild,
# the lookup, HTTP commands and the API worker's memory, each against a baseline of the same run. CERTIFICATES=N
# for a smaller set.
CERTIFICATES ?= 1000000
bench-scale: setup postgres
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/scale.py --certificates $(CERTIFICATES)

# The office's pages (issue 22) on bench-scale's data set: load it first with
# `.venv/bin/python bench/scale.py --database office1m --certificates 1000000 --load-only`.
bench-office: setup postgres
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/office_pages.py --database office1m

# The national report (issue 25, R-RPT-1) of a month of 100,000 events, beside the raw read of the same log (a SQLite
# file; --database-url for a PostgreSQL database made beforehand).
bench-report: setup
	$(BIN)/python bench/national_report.py --events 100000

# The public site (issue 25): /, /search, bulk lookup and the directory on bench-scale's data set (load it as for
# bench-office; --skip-rebuild when its views are current).
bench-public: setup postgres
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/public_site.py --database office1m

# The log's C2SP tiles (issue 26): registry log mirror of 1,000,000 leaves beside hashing them alone, then tiles
# served beside the trivial endpoint on bench-scale's data set (load it as for bench-office; --skip-rebuild when
# its views are current).
bench-tiles: setup postgres
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/log_tiles.py --leaves 1000000 --database office1m

# A witness round trip (issue 26): add-checkpoint with its consistency proof and cosignature at 1,000,000 leaves, beside
# a trivial request to the same witness (a PostgreSQL database of its own; LEAVES=N for a smaller log).
LEAVES ?= 1000000
bench-witness: setup postgres
	$(BIN)/python bench/witness.py --leaves $(LEAVES)

test: setup postgres browser pdf go
	$(BIN)/ruff check registry store projections api scheduler demo tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q
