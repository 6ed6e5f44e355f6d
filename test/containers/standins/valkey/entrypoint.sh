#!/bin/sh
# Like the real image: `valkey-server [args]` runs unprotected (no config file, so no bind
# restriction) as the unprivileged user, in /data.
set -e
if [ "${1#-}" != "$1" ]; then set -- valkey-server "$@"; fi
if [ "$1" = valkey-server ]; then
  shift
  exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
