#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with a database `test` that user postgres
# reaches without a password, as the tests expect (TIPLINE_TEST_DATABASE_URL's default,
# postgresql://postgres@127.0.0.1:5432/test). Starts Debian's cluster when pg_isready says
# no; installs Debian's postgresql first when it is missing, and only then opens loopback to
# password-less logins (a cluster someone set up is never reconfigured: its refusal is said).
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
sql() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAq "$@"; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ready; then
  installed=no
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing Debian's postgresql" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    installed=yes
  fi
  read -r version cluster _ < <(pg_lsclusters -h | head -n 1) || true
  if [ -z "${version:-}" ]; then
    echo "no PostgreSQL cluster to start (pg_lsclusters lists none)" >&2
    exit 1
  fi
  if [ "$installed" = yes ]; then
    hba="/etc/postgresql/$version/$cluster/pg_hba.conf"
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster "$version" "$cluster" start || pg_ctlcluster "$version" "$cluster" reload
  for _ in $(seq 1 100); do ready && break; sleep 0.1; done
  if ! ready; then
    echo "PostgreSQL did not answer on 127.0.0.1:5432" >&2
    exit 1
  fi
fi
if ! sql -c "SELECT 1" >/dev/null; then
  echo "PostgreSQL on 127.0.0.1:5432 refuses user postgres without a password" >&2
  exit 1
fi
if [ "$(sql -c "SELECT count(*) FROM pg_database WHERE datname = 'test'")" = 0 ]; then
  sql -c "CREATE DATABASE test"
fi
