#!/usr/bin/env bash
# Install (Debian package postgresql), start a local PostgreSQL server and create the
# test role and database; print its URL on stdout (everything else goes to stderr).
# The tests read it from NUMPY_NN_TEST_PG_URL (see .ci/run); run as root.
set -euo pipefail

ROLE=numpy_nn_test
PASSWORD=numpy_nn_test
DATABASE=numpy_nn_test

psql_admin() { runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }

# A command that may start the server: the server daemonizes and keeps every descriptor it
# inherits, so a caller reading our output ("$(bash .ci/postgres.sh)", or CI capturing the
# log) would wait for the server to exit, i.e. forever. It gets none of ours: its output goes
# through a file, and descriptors above 2 are closed.
detached() {
  local log status=0
  log="$(mktemp)"
  python3 -c 'import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:], close_fds=True))' "$@" \
    </dev/null >"$log" 2>&1 || status=$?
  cat "$log" >&2
  rm -f "$log"
  return "$status"
}

set_up() {
  if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    detached apt-get update
    DEBIAN_FRONTEND=noninteractive detached apt-get install -y postgresql
  fi
  if [ -z "$(pg_lsclusters -h)" ]; then
    detached pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main
  fi
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -1)
  if [ "$STATUS" != online ]; then
    detached pg_ctlcluster "$VERSION" "$CLUSTER" start
  fi
  for _ in $(seq 30); do psql_admin -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
  # CREATEDB: each test run grades into a database of its own, dropped afterwards.
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
  fi
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
    psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE"
  fi
}

set_up </dev/null >&2
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
