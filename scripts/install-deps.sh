#!/usr/bin/env bash
# Installs what building and testing the sandbox needs on a fresh Debian
# machine (run as root): a C compiler with static glibc and musl for the
# test programs, libseccomp for the sentry's own filter, Debian's static
# busybox as a real program to run, and the real (dynamically linked)
# programs tests/tests/programs.rs runs: python3, perl, sqlite3, make, git
# and the usual command-line tools. Does nothing when all is there.
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

# The programs tests/tests/programs.rs runs, by the paths it runs them at
# (not whatever PATH finds first, such as a pyenv shim): path:package.
for p in /usr/bin/python3:python3 /usr/bin/perl:perl /usr/bin/sqlite3:sqlite3 \
         /usr/bin/make:make /usr/bin/git:git /usr/bin/ar:binutils /bin/bash:bash \
         /usr/bin/tar:tar /usr/bin/gzip:gzip /usr/bin/diff:diffutils \
         /usr/bin/find:findutils /usr/bin/awk:mawk /usr/bin/sed:sed /usr/bin/grep:grep; do
    [ -x "${p%%:*}" ] || need+=("${p#*:}")
done

if [ ${#need[@]} -gt 0 ]; then
    echo "install-deps: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
