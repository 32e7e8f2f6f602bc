#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine and runs every check and test:
# npm ci, Chromium and Ceph from apt when missing, a single-node RADOS Gateway,
# `npm run check`, `npm test`; stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

need=()
command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
for bin in ceph-mon ceph-osd radosgw radosgw-admin; do
	command -v "$bin" >/dev/null 2>&1 || { need+=(ceph-mon ceph-osd ceph-mgr radosgw ceph-common); break; }
done
if [ ${#need[@]} -gt 0 ]; then
	echo "test:ci: installing ${need[*]} with apt-get" >&2
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "test:ci: npm ci" >&2
npm ci --no-audit --no-fund

eval "$(bash scripts/rgw.sh start)"
trap 'bash scripts/rgw.sh stop >/dev/null 2>&1 || true' EXIT

npm run check
npm test
echo "test:ci: finished in $(( $(date +%s) - started )) s" >&2
