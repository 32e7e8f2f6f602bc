#!/usr/bin/env bash
# Single-node Ceph cluster with a RADOS Gateway (S3) on 127.0.0.1, for tests.
#
#   eval "$(bash scripts/rgw.sh start [DIR])"   # prints export lines on stdout
#   bash scripts/rgw.sh stop [DIR]
#
# DIR defaults to /tmp/ferry-rgw. Plain processes (no Docker, no systemd);
# data lives in RAM (memstore), logs and pid files in DIR.
#
# Environment:
#   RGW_PORT        S3 port (default 7480)
#   RGW_MON_PORT    mon msgr2 port (default 3300)
#   RGW_MON_V1_PORT mon msgr1 port (default 6789)
#   RGW_ACCESS_KEY  (default ferry-test-access)
#   RGW_SECRET_KEY  (default ferry-test-secret-key)
#   RGW_TIMEOUT     seconds to wait for each step (default 60)
#   RGW_WITH_MGR=1  also start a ceph-mgr (not needed by the gateway; slower)
set -euo pipefail

CMD="${1:-}"
DIR="${2:-/tmp/ferry-rgw}"
RGW_PORT="${RGW_PORT:-7480}"
MON_PORT="${RGW_MON_PORT:-3300}"
MON_V1_PORT="${RGW_MON_V1_PORT:-6789}"
ACCESS_KEY="${RGW_ACCESS_KEY:-ferry-test-access}"
SECRET_KEY="${RGW_SECRET_KEY:-ferry-test-secret-key}"
TIMEOUT="${RGW_TIMEOUT:-60}"
DAEMONS=(radosgw mgr osd mon) # stop order

log() { printf 'rgw.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: bash scripts/rgw.sh start|stop [DIR]   (DIR defaults to /tmp/ferry-rgw)" >&2
  exit 2
}

# DIR is wiped by start and stop: make it absolute and refuse silly values.
check_dir() {
  local given="$DIR"
  [[ "$DIR" == /* ]] || DIR="$PWD/$DIR"
  DIR="${DIR%/}"
  if [[ "$DIR" == *..* || "$DIR" != /*/* || "$DIR" == *[[:space:]]* ]]; then
    die "refusing to use DIR '$given' (give a dedicated directory such as /tmp/ferry-rgw)"
  fi
}

# Is PID one of ours (alive, and started with this DIR's ceph.conf)?
ours() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$DIR/ceph.conf"
}

# SIGKILL, not SIGTERM: all data is in RAM and DIR is removed anyway, and a
# graceful shutdown takes radosgw about 6 s and the mon and OSD about 2 s each.
kill_daemons() {
  local name pid pids=() deadline
  for name in "${DAEMONS[@]}"; do
    [ -f "$DIR/$name.pid" ] || continue
    pid="$(cat "$DIR/$name.pid" 2>/dev/null || true)"
    if ours "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + 10))
  for pid in "${pids[@]}"; do
    while ours "$pid"; do
      ((SECONDS < deadline)) || die "pid $pid is still running after SIGKILL; not removing $DIR"
      sleep 0.05
    done
  done
  KILLED=${#pids[@]}
}

do_stop() {
  kill_daemons
  if [ -d "$DIR" ]; then
    [ -f "$DIR/ceph.conf" ] || [ -z "$(ls -A "$DIR")" ] ||
      die "$DIR exists but has no ceph.conf; not removing it (not created by rgw.sh?)"
    rm -rf "$DIR"
  fi
  ((KILLED == 0)) || log "stopped $KILLED process(es), removed $DIR"
}

# Does something accept TCP connections on 127.0.0.1:PORT?
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Does an HTTP server answer on 127.0.0.1:PORT?
http_ok() {
  local line
  line="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 || exit 1
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    head -c 12 <&3" 2>/dev/null)" || return 1
  [[ "$line" == HTTP/* ]]
}

tail_log() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 25 "$f" >&2
  done
}

# start_daemon NAME CMD...: background, own session, logs in DIR/log/NAME.out.
start_daemon() {
  local name="$1"
  shift
  setsid "$@" </dev/null >"$DIR/log/$name.out" 2>&1 &
  echo $! >"$DIR/$name.pid"
  disown $! 2>/dev/null || true
}

# Fail if a daemon we started has already died.
check_alive() {
  local name="$1" pid
  pid="$(cat "$DIR/$name.pid")"
  if ! kill -0 "$pid" 2>/dev/null; then
    log "error: $name (pid $pid) exited during start-up"
    tail_log "$DIR/log/$name.out" "$DIR/log/"*"$name"*.log
    exit 1
  fi
}

do_start() {
  local b missing=()
  for b in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  ((${#missing[@]} == 0)) || die "missing ceph binaries (${missing[*]}); install with: apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common"

  # A previous cluster from this DIR is stopped and wiped first.
  do_stop

  local p
  for p in "$RGW_PORT" "$MON_PORT" "$MON_V1_PORT"; do
    ! port_open "$p" || die "port 127.0.0.1:$p is already in use (another cluster? stop it, or set RGW_PORT / RGW_MON_PORT / RGW_MON_V1_PORT)"
  done

  # If start fails, kill what it started but keep DIR and its logs.
  trap 'rc=$?; if ((rc != 0)); then kill_daemons; log "start failed; logs kept in $DIR/log (remove with: bash scripts/rgw.sh stop $DIR)"; fi' EXIT

  local t0 fsid osd_uuid conf="$DIR/ceph.conf"
  t0="$(date +%s.%N)"
  mkdir -p "$DIR"/{log,run,mon,osd,rgw}
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
osd objectstore = memstore
memstore device bytes = 8589934592
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
osd crush chooseleaf type = 0
paxos propose interval = 0.05
paxos min wait = 0.01
run dir = $DIR/run
log file = $DIR/log/\$name.log
mon cluster log file = default=$DIR/log/ceph.\$channel.log cluster=$DIR/log/ceph.log
admin socket = $DIR/run/\$name.asok
keyring = $DIR/keyring
mon data = $DIR/mon/\$id
osd data = $DIR/osd/\$id
mgr data = $DIR/mgr/\$id
rgw data = $DIR/rgw/\$id
crash dir = $DIR/crash

[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
ms mon client mode = crc secure
EOF
  export CEPH_CONF="$conf"
  # Tools talk to this cluster only, and give up instead of hanging forever.
  local ceph=(timeout "$TIMEOUT" ceph -c "$conf" --connect-timeout "$TIMEOUT")

  # mon
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]" \
    "$DIR/monmap" >"$DIR/log/monmaptool.out" 2>&1 || { tail_log "$DIR/log/monmaptool.out"; die "monmaptool failed"; }
  ceph-mon -c "$conf" --mkfs -i a --monmap "$DIR/monmap" >"$DIR/log/mon-mkfs.out" 2>&1 ||
    { tail_log "$DIR/log/mon-mkfs.out" "$DIR/log/mon.a.log"; die "ceph-mon --mkfs failed"; }
  start_daemon mon ceph-mon -f -c "$conf" -i a

  # osd: id 0 in a fresh cluster, so its mkfs (which does not talk to the mon)
  # runs while `ceph osd new` waits for the mon to form its quorum of one.
  mkdir -p "$DIR/osd/0"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$DIR/log/osd-mkfs.out" 2>&1 &
  local mkfs_pid=$! osd_id
  osd_id="$("${ceph[@]}" osd new "$osd_uuid" 0 2>"$DIR/log/osd-new.out")" ||
    { check_alive mon; tail_log "$DIR/log/osd-new.out" "$DIR/log/mon.a.log"; die "'ceph osd new' failed"; }
  [ "$osd_id" = 0 ] || die "'ceph osd new' gave id '$osd_id', expected 0"
  wait "$mkfs_pid" ||
    { tail_log "$DIR/log/osd-mkfs.out" "$DIR/log/osd.0.log"; die "ceph-osd --mkfs failed"; }
  start_daemon osd ceph-osd -f -c "$conf" -i 0

  # Start radosgw only once the OSD is up: if its first requests go out while
  # the OSD map has no OSD up, it waits for the objecter tick (5 s) to retry.
  local deadline=$((SECONDS + TIMEOUT))
  until grep -q 'state: booting -> active' "$DIR/log/osd.0.log" 2>/dev/null; do
    check_alive mon
    check_alive osd
    if ((SECONDS >= deadline)); then
      log "error: the OSD did not come up within ${TIMEOUT}s"
      tail_log "$DIR/log/osd.out" "$DIR/log/osd.0.log" "$DIR/log/mon.a.log"
      exit 1
    fi
    sleep 0.05
  done

  # mgr only on request: the gateway does not need it and it costs start-up time
  if [ "${RGW_WITH_MGR:-0}" = 1 ] && command -v ceph-mgr >/dev/null 2>&1; then
    mkdir -p "$DIR/mgr/x"
    start_daemon mgr ceph-mgr -f -c "$conf" -i x
  fi

  # radosgw (creates its pools and default zone on first start)
  start_daemon radosgw radosgw -f -c "$conf" -n client.rgw.gw
  deadline=$((SECONDS + TIMEOUT))
  until http_ok "$RGW_PORT"; do
    check_alive mon
    check_alive osd
    check_alive radosgw
    if ((SECONDS >= deadline)); then
      log "error: radosgw did not answer HTTP on 127.0.0.1:$RGW_PORT within ${TIMEOUT}s"
      tail_log "$DIR/log/radosgw.out" "$DIR/log/client.rgw.gw.log" "$DIR/log/osd.0.log"
      exit 1
    fi
    sleep 0.1
  done

  # S3 user
  timeout "$TIMEOUT" radosgw-admin -c "$conf" user create --uid ferry-test --display-name "Ferry tests" \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >"$DIR/log/user-create.out" 2>&1 ||
    { tail_log "$DIR/log/user-create.out"; die "radosgw-admin user create failed"; }

  trap - EXIT
  log "S3 gateway on http://127.0.0.1:$RGW_PORT after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s (dir $DIR; stop with: bash scripts/rgw.sh stop $DIR)"
  printf 'export FERRY_TEST_S3_ENDPOINT=%q\n' "http://127.0.0.1:$RGW_PORT"
  printf 'export FERRY_TEST_S3_REGION=%q\n' us-east-1
  printf 'export FERRY_TEST_S3_ACCESS_KEY=%q\n' "$ACCESS_KEY"
  printf 'export FERRY_TEST_S3_SECRET_KEY=%q\n' "$SECRET_KEY"
}

case "$CMD" in
  start) check_dir; do_start ;;
  stop) check_dir; do_stop ;;
  *) usage ;;
esac
