# Tasks for a fresh clone. `make run` serves the API, `make web` the web app; `make test`
# runs every check.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Use uv from PATH, or install it into .tools/ with the Python already on the machine.
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
# What make runs finds the same uv: the CDK CLI runs the app with `uv run` (infra/cdk.json),
# and so do the tests that drive the CLI.
export PATH := $(abspath $(dir $(UV))):$(PATH)
# Serving and migrating need the runtime dependencies alone (no dev or infra group).
SERVE := $(UV) run --locked --no-default-groups
MANAGE := $(SERVE) python manage.py

.PHONY: help install install-serve resource run migrate seed test test-fast lint format typecheck pytest sql-statements openapi bundle bench lambda-local swagger-check db-up db-down \
	cdk-install synth bootstrap deploy github-credentials github-deploy-role destroy cfn-lint idle-cost \
	bastion-start bastion-stop tunnel web web-build web-preview web-client web-test web-budget

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.tools/bin/uv:  # a venv of its own, so that .tools/bin on PATH holds nothing but uv
	python3 -m venv .tools/venv
	.tools/venv/bin/python -m pip install --quiet --disable-pip-version-check 'uv>=0.9,<1'
	mkdir -p .tools/bin && ln -sf ../venv/bin/uv .tools/bin/uv

.env:
	cp .env.example .env

install: $(UV) ## Install every locked dependency into .venv: runtime, dev tools and the CDK
	$(UV) sync --locked

# Only what serving and migrating need; what `make install` added stays (--inexact).
install-serve: $(UV)
	$(UV) sync --locked --no-default-groups --inexact

run: install-serve .env migrate seed ## Install, migrate, seed and serve the API on http://127.0.0.1:8000
	$(MANAGE) runserver 127.0.0.1:8000

migrate: install-serve .env ## Apply database migrations
	$(MANAGE) migrate

seed: install-serve .env ## Add the sample todos (idempotent)
	$(MANAGE) seed_todos

test: lint typecheck pytest web-test ## Run every check: lint, types, import contracts, tests, the web app

# SQLite in memory, no Node.js, no network: the unit tests, the fakes' half of the
# contract suite and the whole HTTP API on the in-memory adapters.
test-fast: install ## The fast loop: unit, contract (fakes) and API tests, in seconds
	DATABASE_URL=sqlite://:memory: $(UV) run --locked pytest -q -m "not orm" \
		tests/unit tests/contract tests/api

lint: install ## ruff check and ruff format --check
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

format: install ## Format and fix what ruff can
	$(UV) run --locked ruff format .
	$(UV) run --locked ruff check --fix .

typecheck: install ## mypy (strict) over every package and app (pyproject.toml names what it leaves out)
	# django-stubs imports the settings, which want a SECRET_KEY unless debugging.
	DEBUG=true $(UV) run --locked mypy

pytest: install infra/node_modules ## The test suite (PostgreSQL when DATABASE_URL points at it, else SQLite)
	$(UV) run --locked pytest
	# The ORM adapters' contract on SQLite too, the local default engine.
	DATABASE_URL=sqlite://:memory: $(UV) run --locked pytest -q -m orm tests/contract

# NAME=projects: the resource's plural (SINGULAR=person where it is irregular).
# The web client is generated from docs/openapi.json, which the generator rewrites.
resource: install .env web/node_modules ## Generate an owned resource NAME and wire it in (README, "Add a resource")
	$(UV) run --locked python manage.py startresource $(NAME) $(if $(SINGULAR),--singular $(SINGULAR))
	$(MAKE) web-client

sql-statements: install ## Count SQL statements per API operation (docs/sql-statements.md)
	$(UV) run --locked python scripts/sql_statements.py --write docs/sql-statements.md

openapi: install ## Rewrite docs/openapi.json, the OpenAPI snapshot clients are generated from
	$(UV) run --locked python scripts/openapi.py

# BYTECODE_PYTHON=/path/to/python3.13 compiles the bundle's bytecode if uv finds no 3.13.
bundle: install ## Build the Lambda asset (arm64, Python 3.13) in build/lambda and its zip
	$(UV) run --locked python scripts/build_lambda_bundle.py --zip \
		$(if $(BYTECODE_PYTHON),--bytecode-python $(BYTECODE_PYTHON))

# BENCH_BASELINE=<git ref> also measures that commit, cold and warm, in the same runs.
bench: install ## Measure cold start, warm throughput, server-side SQL and bundle size (docs/benchmarks.md)
	$(UV) run --locked python bench/report.py $(if $(BENCH_BASELINE),--baseline=$(BENCH_BASELINE))

lambda-local: install-serve .env migrate seed ## Serve the Lambda handler behind a local API Gateway on http://127.0.0.1:3000/dev/
	$(SERVE) python scripts/local_api_gateway.py --stage dev --port 3000

swagger-check: install .env migrate ## Check Swagger UI under /dev in headless Chromium (apt-get install chromium chromium-driver)
	$(UV) run --locked python scripts/swagger_check.py --port 3000 --screenshot /tmp/swagger-dev.png

db-up: ## Start PostgreSQL 16 from docker-compose.yml
	docker compose up -d --wait db

db-down: ## Stop it (the data stays in its volume)
	docker compose down

# --- AWS (infra/): STAGE=prod selects the production stage --------------------------------
STAGE ?= dev
# More CDK context for synth, deploy and destroy: CONTEXT="-c corsOrigins=https://app.example.com"
CONTEXT ?=
# More `cdk deploy` options; CI passes --require-approval never, having no one to ask.
DEPLOY_FLAGS ?=
# owner/name of the GitHub repository whose workflows may deploy (github-deploy-role).
GITHUB_REPOSITORY ?=
CDK := cd infra && npx --no-install cdk

infra/node_modules: infra/package.json infra/package-lock.json
	npm ci --prefix infra --no-audit --no-fund
	@touch infra/node_modules

cdk-install: infra/node_modules ## Install the pinned AWS CDK CLI into infra/node_modules

synth: install infra/node_modules ## Synthesize both stacks into infra/cdk.out (offline; builds the Lambda asset)
	$(CDK) synth -c stage=$(STAGE) $(CONTEXT)

bootstrap: install infra/node_modules ## Once per account and region: the CDK's assets bucket and deploy roles
	$(CDK) bootstrap -c stage=$(STAGE)

deploy: install infra/node_modules web-build ## Deploy STAGE (dev): migrates, then moves traffic; prints the URLs
	$(CDK) deploy --all -c stage=$(STAGE) $(CONTEXT) $(DEPLOY_FLAGS)

# In a GitHub Actions job with id-token: write (.github/workflows/deploy.yml).
github-credentials: install ## CI only: trade the job's OIDC token for the deploy role (AWS_DEPLOY_ROLE_ARN, AWS_REGION)
	$(UV) run --locked python scripts/github_oidc.py --role-arn "$$AWS_DEPLOY_ROLE_ARN" \
		--region "$$AWS_REGION" --credentials-file "$$RUNNER_TEMP/aws-credentials"

github-deploy-role: install infra/node_modules ## Once per account: the role GitHub Actions deploys with (GITHUB_REPOSITORY=owner/name)
	@test -n "$(GITHUB_REPOSITORY)" || { echo "GITHUB_REPOSITORY=owner/name is required" >&2; exit 1; }
	$(CDK) deploy TodoGitHubDeploy -c githubRepository=$(GITHUB_REPOSITORY)

destroy: install infra/node_modules ## Delete the stacks of STAGE (dev); prod's data stack refuses (termination protection)
	$(CDK) destroy --all -c stage=$(STAGE) $(CONTEXT)

cfn-lint: synth ## Lint the synthesized CloudFormation templates
	$(UV) run --locked cfn-lint --config-file infra/.cfnlintrc.yaml infra/cdk.out/*.template.json

idle-cost: install ## Estimate the monthly cost at rest from the synthesized templates (docs/idle-cost.md)
	$(UV) run --locked python scripts/idle_cost.py --write docs/idle-cost.md

bastion-start: install ## Start the SSM bastion of STAGE and wait until SSM reaches it
	$(UV) run --locked python scripts/bastion.py start --stage $(STAGE)

bastion-stop: install ## Stop the bastion (a stopped one costs only its disk)
	$(UV) run --locked python scripts/bastion.py stop --stage $(STAGE)

tunnel: install ## Start the bastion and forward 127.0.0.1:15432 to Aurora
	$(UV) run --locked python scripts/bastion.py tunnel --stage $(STAGE)

# --- The web app (web/): Next.js, static export, Node.js 20 or newer -----------------------
# Next.js would otherwise report usage over the network.
export NEXT_TELEMETRY_DISABLED := 1
WEB_NPM := npm --prefix web

web/node_modules: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch web/node_modules

web: web/node_modules ## Serve the web app on http://localhost:3000 against `make run`'s API
	cd web && NEXT_PUBLIC_API_URL=http://127.0.0.1:8000 npx --no-install next dev --hostname localhost --port 3000

# Built for one origin: CloudFront serves it and routes /api/* to the API (NEXT_PUBLIC_API_URL
# empty). API_URL=http://127.0.0.1:8000 builds it for the local API instead (make web-preview).
web-build: web/node_modules ## Build the static export into web/out (what `make deploy` uploads)
	NEXT_PUBLIC_API_URL=$(API_URL) $(WEB_NPM) run --silent build

web-preview: ## Build for the local API and serve web/out on http://localhost:3000 with CloudFront's headers
	$(MAKE) web-build API_URL=http://127.0.0.1:8000
	cd web && node scripts/serve.mjs --port 3000 --api http://127.0.0.1:8000

web-client: web/node_modules ## Regenerate web/src/api/openapi.d.ts from docs/openapi.json
	$(WEB_NPM) run --silent generate

# The end-to-end tests start the API themselves (uv, a fresh SQLite database, free ports),
# build the export against it and drive the system's Chromium (CHROMIUM=/usr/bin/chromium).
web-test: install web/node_modules ## The web app: stale-client check, types, unit, end-to-end and axe tests, JS budget
	cd web && node scripts/check-client.mjs
	cd web && npx --no-install tsc --noEmit
	cd web && npx --no-install vitest run
	cd web && UV=$(abspath $(UV)) npx --no-install playwright test
	cd web && node scripts/first-load.mjs e2e-out --max-kb 150

web-budget: install web/node_modules ## Measure first-load JS and time to an interactive list (docs/web.md)
	cd web && UV=$(abspath $(UV)) npx --no-install playwright test --config budget.config.ts
