#!/usr/bin/env bash
# Every check `make test` runs, in order, each reported on its own; exits non-zero when any fails.
#   1. ruff check            2. ruff format --check      3. no missing migrations
#   4. the whole suite on SQLite
#   5. the suite again on PostgreSQL, with Redis as cache (tests marked engine_independent or
#      browser run in the SQLite pass only)
# Expects the virtual environment, front-end assets and services to be ready (the Makefile's job).
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${VENV:-.venv}/bin
PG_PASSWORD=${KAIFANG_TEST_PG_PASSWORD:-kaifang}
PG_URL=${KAIFANG_TEST_PG_URL:-postgres://postgres:${PG_PASSWORD}@127.0.0.1:5432/kaifang}
REDIS_URL=${KAIFANG_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
PYTEST_ARGS=(${KAIFANG_PYTEST_ARGS:-})

# The suite sets its own configuration: nothing from the caller's environment leaks in.
for name in $(compgen -e); do
  case "$name" in
    KAIFANG_TEST_* | KAIFANG_PYTEST_ARGS) ;;
    KAIFANG_* | DATABASE_URL | SECRET_KEY | DJANGO_SETTINGS_MODULE) unset "$name" ;;
  esac
done

failed=()
summary=()

run_stage() {  # run_stage NAME COMMAND...: run one check and remember how it went
  local name=$1 start=$SECONDS rc
  shift
  echo
  echo "==== $name ===="
  "$@"
  rc=$?
  if [ "$rc" = 5 ]; then  # pytest's "no tests ran" is a failure, not a pass
    echo "!! $name: 没有运行任何测试 / no tests ran" >&2
  fi
  if [ "$rc" = 0 ]; then
    summary+=("ok     $name ($((SECONDS - start)) s)")
  else
    summary+=("FAILED $name (exit $rc, $((SECONDS - start)) s)")
    failed+=("$name")
  fi
}

flush_redis() {
  "$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL"
}

run_stage "ruff check" "$BIN/ruff" check .
run_stage "ruff format --check" "$BIN/ruff" format --check .
run_stage "makemigrations --check" \
  env KAIFANG_HOME=var/test-check "$BIN/kaifang" makemigrations --check --dry-run
# Each pass has its own data folder; an empty static folder keeps whitenoise from warning.
mkdir -p var/test-sqlite/static var/test-pg/static
rm -f var/test-sqlite/junit.xml var/test-pg/junit.xml
run_stage "pytest (SQLite)" \
  env KAIFANG_HOME=var/test-sqlite "$BIN/pytest" --durations=10 \
  --junitxml=var/test-sqlite/junit.xml "${PYTEST_ARGS[@]}"
run_stage "flush the test Redis database" flush_redis
run_stage "pytest (PostgreSQL + Redis)" \
  env KAIFANG_HOME=var/test-pg DATABASE_URL="$PG_URL" KAIFANG_CACHE_URL="$REDIS_URL" \
  "$BIN/pytest" --durations=10 -m "not engine_independent and not browser" \
  --junitxml=var/test-pg/junit.xml "${PYTEST_ARGS[@]}"

echo
echo "==== summary ===="
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "make test: ${#failed[@]} check(s) failed: ${failed[*]}" >&2
else
  echo "make test: all checks passed"
fi
# Last line: the tests of both passes added up.
"$BIN/python" scripts/test-totals.py var/test-sqlite/junit.xml var/test-pg/junit.xml
[ "${#failed[@]}" -eq 0 ]
