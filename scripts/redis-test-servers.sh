#!/usr/bin/env bash
# Starts/stops the Redis servers the grid's tests and benchmark can use: one standalone server and a 3-master
# Redis Cluster on loopback, in a temporary directory, no persistence, Redis's own eviction off (the grid evicts per
# tenant). The tests and `npm run bench -- grid` start their own servers on free ports; use this script to keep a
# pair running by hand, then point them at it:
#   eval "$(scripts/redis-test-servers.sh start)"   # exports FAIRWAY_REDIS_URL and FAIRWAY_REDIS_CLUSTER_URL
#   npm test -- test/grid
#   scripts/redis-test-servers.sh stop
# Ports: FAIRWAY_REDIS_PORT (default 16379), FAIRWAY_REDIS_CLUSTER_PORTS (default "17001 17002 17003").
set -euo pipefail

dir="${FAIRWAY_REDIS_DIR:-${TMPDIR:-/tmp}/fairway-redis-test}"
port="${FAIRWAY_REDIS_PORT:-16379}"
read -r -a cports <<< "${FAIRWAY_REDIS_CLUSTER_PORTS:-17001 17002 17003}"
server="${FAIRWAY_REDIS_SERVER:-redis-server}"
cli="${FAIRWAY_REDIS_CLI:-redis-cli}"

common=(--bind 127.0.0.1 --protected-mode no --save '' --appendonly no --maxmemory-policy noeviction --daemonize yes)

wait_ping() {
  for _ in $(seq 1 100); do
    if [ "$("$cli" -p "$1" ping 2>/dev/null)" = "PONG" ]; then return 0; fi
    sleep 0.1
  done
  echo "redis on port $1 did not start (see $dir/redis-$1.log)" >&2
  return 1
}

start() {
  command -v "$server" >/dev/null || { echo "redis-server not found (apt-get install redis-server)" >&2; exit 1; }
  mkdir -p "$dir"
  "$server" --port "$port" --dir "$dir" --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" "${common[@]}"
  wait_ping "$port"
  local nodes=()
  for p in "${cports[@]}"; do
    rm -f "$dir/nodes-$p.conf"
    "$server" --port "$p" --dir "$dir" --pidfile "$dir/redis-$p.pid" --logfile "$dir/redis-$p.log" \
      --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 3000 "${common[@]}"
    nodes+=("127.0.0.1:$p")
  done
  for p in "${cports[@]}"; do wait_ping "$p"; done
  "$cli" --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log"
  for _ in $(seq 1 100); do
    if "$cli" -p "${cports[0]}" cluster info | grep -q 'cluster_state:ok'; then break; fi
    sleep 0.1
  done
  echo "export FAIRWAY_REDIS_URL=redis://127.0.0.1:$port"
  echo "export FAIRWAY_REDIS_CLUSTER_URL=redis-cluster://$(IFS=,; echo "${nodes[*]}")"
}

stop() {
  for p in "$port" "${cports[@]}"; do
    "$cli" -p "$p" shutdown nosave >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
