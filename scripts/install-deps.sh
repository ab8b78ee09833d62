#!/bin/sh
# install-deps.sh: install the Debian packages the server builds against, if any is missing.
# Writes only to stderr: `make run` keeps stdout for the MCP protocol.
set -eu
PKGS="gcc make pkg-config libjansson-dev libsqlite3-dev libsecp256k1-dev libsodium-dev libcurl4-openssl-dev"
[ "${1:-}" = "--test" ] && PKGS="$PKGS clang chromium"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node and npm: any installation will do (Debian's, or nodesource's that bundles npm).
if [ "${1:-}" = "--test" ]; then
    command -v node >/dev/null 2>&1 || missing="$missing nodejs"
    command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
else
    echo "sessionkey-mcp: missing packages:$missing" >&2
    echo "install them as root: apt-get install$missing" >&2
    exit 1
fi
echo "sessionkey-mcp: installing$missing" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >&2
