#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs the Rust
# tests (release profile, so dependencies compile once) and the Python consumer test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v make >/dev/null 2>&1 || need_apt+=(make) # jemalloc's build
# Headless Chromium renders the page of `xxgk rates --html` (tests/consumer/test_rates_page.py).
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || command -v google-chrome >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi
python3 -c 'import pyarrow, pytest, polars, duckdb' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyarrow pytest polars duckdb

cargo fmt --all -- --check
cargo test --release --locked
python3 -m pytest -q tests/consumer
