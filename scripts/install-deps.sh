#!/usr/bin/env bash
# Installs what building and testing the sandbox needs on a fresh Debian
# machine (run as root): a C compiler with static glibc and musl for the
# test programs, libseccomp for the sentry's own filter, and Debian's
# static busybox as a real program to run. Does nothing when all is there.
set -euo pipefail

need=()
command -v gcc >/dev/null || need+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
command -v musl-gcc >/dev/null || need+=(musl-tools)
[ -e /usr/include/seccomp.h ] || need+=(libseccomp-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
# busybox-static: a statically linked /bin/busybox (the plain package is dynamic).
if ! { [ -x /bin/busybox ] && ! readelf -l /bin/busybox 2>/dev/null | grep -q INTERP; }; then
    need+=(busybox-static)
fi

if [ ${#need[@]} -gt 0 ]; then
    echo "install-deps: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
