#!/usr/bin/env bash
# Make sure the services the test suite's PostgreSQL pass needs are up on this machine:
#   PostgreSQL on 127.0.0.1:5432, user postgres, trust or the password $KAIFANG_TEST_PG_PASSWORD
#   Redis on 127.0.0.1:6379
# Installs them with apt-get when missing and starts them when stopped. Changes nothing when both
# already answer.
set -euo pipefail

PG_PASSWORD=${KAIFANG_TEST_PG_PASSWORD:-kaifang}

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
fi
APT_UPDATED=""

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for DESCRIPTION COMMAND...: retry for up to 30 s
  local what=$1
  shift
  for _ in $(seq 60); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "$what 未能启动 / $what did not come up" >&2
  return 1
}

pg_answers() {
  pg_isready -q -h 127.0.0.1 -p 5432
}

pg_login_works() {
  PGPASSWORD="$PG_PASSWORD" psql -w -q -h 127.0.0.1 -U postgres -d postgres -c 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "安装 PostgreSQL / installing PostgreSQL ..."
    apt_install postgresql
  fi
  if ! pg_answers; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "启动 PostgreSQL $version / starting PostgreSQL $version ..."
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for PostgreSQL pg_answers
  fi
  if ! pg_login_works; then
    # Not trust on 127.0.0.1: give the postgres role the password the tests use (over the
    # local socket, where Debian lets the postgres system user in).
    echo "为 postgres 设置测试口令 / setting the test password of role postgres ..."
    (cd /tmp && $SUDO runuser -u postgres -- psql -q -c "ALTER ROLE postgres PASSWORD '$PG_PASSWORD'")
    if ! pg_login_works; then
      echo "无法以 postgres 用户连接 127.0.0.1:5432 / cannot log in to 127.0.0.1:5432 as postgres" >&2
      exit 1
    fi
  fi
}

redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]
  else
    return 1
  fi
}

ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "安装 Redis / installing Redis ..."
    apt_install redis-server
  fi
  if ! redis_answers; then
    echo "启动 Redis / starting Redis ..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp >/dev/null
    wait_for Redis redis_answers
  fi
}

ensure_postgres
ensure_redis
