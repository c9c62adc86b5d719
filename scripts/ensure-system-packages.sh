#!/usr/bin/env bash
# Install the system packages the test suite uses for real (no mocks):
#   - PostgreSQL server: the service tests run against a throwaway cluster
#   - Chromium: the console and report tests render pages in headless Chromium
#   - Java 17 (headless JRE): PySpark's local[2] engine for the Spark parity tests
# Installs only what is missing, only when run as root with apt-get available.
# On other machines it says what is missing; the tests that need it then skip
# locally (and fail under CI=true, so CI never passes without them).
set -euo pipefail

missing=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium fonts-noto-cjk)
fi
if ! command -v java >/dev/null 2>&1; then
  missing+=(openjdk-17-jre-headless)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "warning: missing system packages (${missing[*]}); install them to run every test" >&2
fi
