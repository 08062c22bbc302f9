#!/bin/sh
# Make sure the PostgreSQL server, PgBouncer, openssl and zsh (the completion test types TAB in a
# real zsh) are on this machine.
# Installs them with apt when running as root on Debian/Ubuntu; otherwise prints the command.
set -eu

have_pg() {
  for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}
have_bouncer() { command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; }

missing=""
have_pg || missing="$missing postgresql"
have_bouncer || missing="$missing pgbouncer"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v psql >/dev/null 2>&1 || missing="$missing postgresql-client"
command -v zsh >/dev/null 2>&1 || missing="$missing zsh"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi
echo "missing:$missing — install them, e.g.: sudo apt-get install$missing" >&2
exit 1
