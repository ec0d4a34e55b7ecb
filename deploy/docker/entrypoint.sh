#!/bin/sh
# Entrypoint of the promstack image: one image for every component.
#
#   promstack-entrypoint [<component>] [<flags>...]   run a component
#   promstack-entrypoint <any other command> [...]    run that command (sh, wget, ...)
#
# <component> is prometheus, alertmanager, node-exporter (or node_exporter),
# promtool, amtool or up. Without a leading component the one named by
# $PROMSTACK_COMPONENT runs (default prometheus), so flag-only arguments (the
# deployment guide's `command:`/`args:` and everything the Prometheus
# Operator generates) work as with the upstream images. A leading `promtool`
# runs promtool, so the guide's
#   docker run ... <image> promtool check rules /etc/prometheus/recording_rules.yml
# works as written (gap G1 of the upstream image).
#
# Installed under the upstream binaries' names too (/bin/prometheus,
# /bin/promtool, ...): called by such a name it runs that component with
# exactly the arguments given (busybox style).
#
# With no flags at all, a daemon gets the defaults of its upstream image's CMD:
#   prometheus    --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus
#   alertmanager  --config.file=/etc/alertmanager/alertmanager.yml --storage.path=/alertmanager
#
# Node's old-space limit is sized from the cgroup memory limit
# ($PROMSTACK_HEAP_PERCENT %, default 75) unless NODE_OPTIONS already sets
# --max-old-space-size: V8's default is a few GiB whatever the container has.
#
# Environment for tests: PROMSTACK_BIN (the CLI, default promstack) and
# PROMSTACK_CGROUP_ROOT (default /sys/fs/cgroup).
set -eu

bin="${PROMSTACK_BIN:-promstack}"

# canonical <name>: prints the component a name stands for, or nothing.
canonical() {
  case "$1" in
    prometheus | alertmanager | node-exporter | promtool | amtool | up) echo "$1" ;;
    node_exporter) echo node-exporter ;;
    *) ;;
  esac
}

# size_heap: adds --max-old-space-size to NODE_OPTIONS from the cgroup limit.
size_heap() {
  case " ${NODE_OPTIONS:-} " in *" --max-old-space-size="*) return 0 ;; esac
  root="${PROMSTACK_CGROUP_ROOT:-/sys/fs/cgroup}"
  limit=""
  if [ -r "$root/memory.max" ]; then
    limit="$(cat "$root/memory.max")" # cgroup v2: bytes or "max"
  elif [ -r "$root/memory/memory.limit_in_bytes" ]; then
    limit="$(cat "$root/memory/memory.limit_in_bytes")" # cgroup v1: bytes, ~2^63 when unlimited
  fi
  case "$limit" in "" | *[!0-9]*) return 0 ;; esac
  # 19 digits or more is cgroup v1's "unlimited" (and beyond any real machine).
  [ "${#limit}" -lt 19 ] || return 0
  percent="${PROMSTACK_HEAP_PERCENT:-75}"
  mib=$((limit / 1048576 * percent / 100))
  # Below 64 MiB a limit is a misconfiguration, not something to size for.
  [ "$mib" -ge 64 ] || return 0
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--max-old-space-size=$mib"
  export NODE_OPTIONS
}

self="$(canonical "$(basename "$0")")"
if [ -n "$self" ]; then
  # Called as /bin/prometheus, /bin/promtool, ...: exactly these arguments.
  size_heap
  exec "$bin" "$self" "$@"
fi

component="${PROMSTACK_COMPONENT:-prometheus}"
if [ "$#" -gt 0 ]; then
  first="$(canonical "$1")"
  if [ -n "$first" ]; then
    component="$first"
    shift
  else
    case "$1" in
      -*) ;;           # flags for the default component
      *) exec "$@" ;;  # another command: sh, wget, promstack-config-reloader, ...
    esac
  fi
fi

c="$(canonical "$component")"
if [ -z "$c" ]; then
  echo "promstack-entrypoint: unknown PROMSTACK_COMPONENT \"$component\" (one of prometheus, alertmanager, node-exporter, promtool, amtool, up)" >&2
  exit 2
fi

if [ "$#" -eq 0 ]; then
  case "$c" in
    prometheus) set -- --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus ;;
    alertmanager) set -- --config.file=/etc/alertmanager/alertmanager.yml --storage.path=/alertmanager ;;
    *) ;;
  esac
fi

size_heap
exec "$bin" "$c" "$@"
