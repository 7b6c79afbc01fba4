#!/usr/bin/env bash
# run-cairnd.sh - what `make run` starts: cairnd with its embedded defaults
# (SQLite store, generated root and intermediate) on loopback, serving
# https://127.0.0.1:14000/directory. Data in CAIRND_DATA (default
# ./build/run-data), kept across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${CAIRND_DATA:-build/run-data}
LISTEN=${CAIRND_LISTEN:-127.0.0.1:14000}
mkdir -p "$(dirname "$DATA")"
echo "make run: cairnd --data $DATA --listen $LISTEN (Ctrl-C stops it)"
echo "make run: clients trust $DATA/api-ca.pem for the API; certificates chain to $DATA/root.pem"
exec build/cairnd --data "$DATA" --listen "$LISTEN" "$@"
