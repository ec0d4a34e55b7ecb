#!/bin/sh
# promstack-config-reloader: watches configuration directories (Kubernetes
# ConfigMap mounts) and POSTs a reload URL when their content changes, so
# that `kubectl apply` of a ConfigMap reaches the running daemon once the
# kubelet has synced the files (gap G7 of the guide's manifests).
#
#   promstack-config-reloader --watch=/etc/prometheus [--watch=<dir>...]
#       [--reload-url=http://localhost:9090/-/reload] [--interval=10]
#
# The content digest covers every regular file under the directories,
# following the ConfigMap's symlinks and skipping its `..data`/`..<timestamp>`
# entries (the same files appear there under another path). A failed reload
# (daemon not up yet, invalid configuration answered with 500) is retried at
# the next interval until one succeeds.
set -eu

dirs=""
url="http://localhost:9090/-/reload"
interval=10
for arg in "$@"; do
  case "$arg" in
    --watch=*) dirs="$dirs ${arg#--watch=}" ;;
    --reload-url=*) url="${arg#--reload-url=}" ;;
    --interval=*) interval="${arg#--interval=}" ;;
    *)
      echo "usage: promstack-config-reloader --watch=<dir>... [--reload-url=<url>] [--interval=<seconds>]" >&2
      exit 2
      ;;
  esac
done
if [ -z "$dirs" ]; then
  echo "promstack-config-reloader: at least one --watch=<dir> is needed" >&2
  exit 2
fi

digest() {
  # $dirs is a space-separated list on purpose (split into arguments).
  # shellcheck disable=SC2086
  find -L $dirs -type f ! -path '*/..*' -exec md5sum {} + | sort | md5sum
}

# The first digest is taken before the "watching" line, so any change made
# after that line is seen.
last="$(digest)"
echo "promstack-config-reloader: watching$dirs, reload URL $url, every ${interval}s"
pending=0
while sleep "$interval"; do
  now="$(digest)"
  if [ "$now" != "$last" ]; then
    last="$now"
    pending=1
  fi
  if [ "$pending" -eq 1 ]; then
    if wget -q -O /dev/null --post-data= "$url"; then
      echo "promstack-config-reloader: configuration changed, reloaded"
      pending=0
    else
      echo "promstack-config-reloader: reload failed, retrying in ${interval}s" >&2
    fi
  fi
done
