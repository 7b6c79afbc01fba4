#!/usr/bin/env bash
# lint.sh - rejects banned calls (shared/STYLE.md section 6) in our C code.
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|strncpy|alloca)[[:space:]]*\('
if grep -rnE "$banned" src tests/unit tests/fuzz bench --include='*.c' --include='*.h' 2>/dev/null; then
  echo "lint: banned calls above" >&2
  exit 1
fi
echo "lint: ok"
