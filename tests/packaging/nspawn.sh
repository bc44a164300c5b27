# A container booted from this machine's own root, with systemd as its PID 1, for tests
# that need a real systemd (units, sandboxing, the journal, D-Bus). Source it from bash:
#
#   . tests/packaging/nspawn.sh
#   nspawn_boot sshdh                     # sets NSPAWN_ROOT, NSPAWN_LEADER; waits for "running"
#   nspawn_sh 'systemctl is-active ssh'   # a shell command inside (host's privileges)
#   nspawn_unit_run -- id                 # a command as a transient unit (the container's rules)
#   nspawn_wait 30 "ssh active" 'systemctl is-active -q ssh'
#   nspawn_reboot                         # same root, new boot (what `reboot` does)
#   nspawn_stop                           # poweroff, umount, rm: call it from an EXIT trap
#
# The root is an overlay: this machine's / read-only below, a tmpfs above, so nothing is
# written to the host and everything vanishes with nspawn_stop. The upper layer survives
# nspawn_reboot. `--private-network` leaves the container only `lo`, so its sshd on port
# 22 does not clash with the host's. Pure cgroup2 needs SYSTEMD_NSPAWN_UNIFIED_HIERARCHY
# and `--system-call-filter=bpf` (else units with DevicePolicy= and other BPF-based
# options fail to start); there are no cgroup controllers, so MemoryMax= and TasksMax= are
# not enforced. No machined: `--register=no`.
#
# Commands run with nsenter (nspawn_sh) join the container's namespaces but keep the
# host's capabilities and no seccomp filter: anything whose result depends on the
# sandbox must run as a unit (nspawn_unit_run, or a real unit file).
#
# Needs root and systemd-nspawn (Debian package systemd-container; install-deps.sh --test).

NSPAWN_DIR=""
NSPAWN_ROOT=""
NSPAWN_LEADER=""
NSPAWN_PID=""
NSPAWN_NAME=""

# Units of this machine that are enabled here but must not run in a test container:
# timers that would start apt or fstrim mid-test, databases and other servers the
# machine happens to run, getty (no console), time sync (no CAP_SYS_TIME in a container).
NSPAWN_MASK_DEFAULT="apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
  e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer logrotate.timer
  postgresql.service prometheus-alertmanager.service fail2ban.service sshguard.service
  getty@tty1.service console-getty.service systemd-timesyncd.service systemd-pstore.service
  exim4.service postfix.service cron.service"

_nspawn_log() { echo "nspawn: $*" >&2; }

# The container's PID 1: the child of our systemd-nspawn whose comm is "systemd".
_nspawn_find_leader() {
  local stat pid rest ppid comm
  for stat in /proc/[0-9]*/stat; do
    read -r pid rest 2>/dev/null <"$stat" || continue
    comm=${rest#(}; comm=${comm%%)*}
    rest=${rest##*) }
    ppid=$(echo "$rest" | cut -d' ' -f2)
    if [ "$ppid" = "$NSPAWN_PID" ] && [ "$comm" = systemd ]; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# nspawn_in CMD... : run CMD in the container's namespaces (no shell).
nspawn_in() {
  timeout 60 nsenter -t "$NSPAWN_LEADER" -a -- "$@"
}

# nspawn_sh 'SHELL COMMAND' : run a shell command in the container's namespaces.
nspawn_sh() {
  timeout 60 nsenter -t "$NSPAWN_LEADER" -a -- /bin/sh -c "$1"
}

# nspawn_unit_run [systemd-run options] -- CMD... : run CMD as a transient service of the
# container's systemd (its seccomp, capabilities and namespaces apply), wait for it and
# pass its output and exit status through.
nspawn_unit_run() {
  timeout 120 nsenter -t "$NSPAWN_LEADER" -a -- systemd-run --quiet --wait --pipe --collect "$@"
}

# nspawn_wait SECONDS DESCRIPTION 'SHELL COMMAND' : until the command succeeds inside the
# container, at most SECONDS. Prints how long it took; returns 1 on the deadline.
nspawn_wait() {
  local seconds=$1 what=$2 cmd=$3 start now
  start=$(date +%s%N)
  local deadline=$((start + seconds * 1000000000))
  while :; do
    if timeout 30 nsenter -t "$NSPAWN_LEADER" -a -- /bin/sh -c "$cmd" >/dev/null 2>&1; then
      now=$(date +%s%N)
      echo "  waited $(( (now - start) / 1000000 )) ms for: $what"
      return 0
    fi
    now=$(date +%s%N)
    if [ "$now" -ge "$deadline" ]; then
      echo "  gave up after ${seconds} s waiting for: $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

# Start systemd-nspawn on the prepared root and wait for the boot to finish.
_nspawn_start() {
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --quiet --register=no --keep-unit \
    --private-network --system-call-filter=bpf -D "$NSPAWN_ROOT" -M "$NSPAWN_NAME" \
    --console=pipe -b </dev/null >>"$NSPAWN_DIR/console.log" 2>&1 &
  NSPAWN_PID=$!
  NSPAWN_LEADER=""
  local i
  for i in $(seq 200); do  # 20 s for PID 1 to appear
    NSPAWN_LEADER=$(_nspawn_find_leader) && break
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$NSPAWN_LEADER" ]; then
    _nspawn_log "no systemd appeared under systemd-nspawn (pid $NSPAWN_PID); console:"
    cat "$NSPAWN_DIR/console.log" >&2
    return 1
  fi
  # is-system-running --wait returns once the boot is done: "running", or "degraded"
  # when some unit failed (reported, since a test usually wants to know which). Until
  # PID 1 has opened its private bus socket, systemctl fails at once and prints nothing
  # or "offline" (seen after a reboot on a loaded machine, with systemd up a moment
  # later): neither is final while systemd-nspawn lives, so try again, within 60 s.
  local state="" deadline=$(($(date +%s) + 60))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    state=$(timeout 60 nsenter -t "$NSPAWN_LEADER" -a -- systemctl is-system-running --wait 2>/dev/null) || true
    case "$state" in running | degraded | maintenance | stopping) break ;; esac
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    sleep 0.2
  done
  case "$state" in
    running) ;;
    degraded)
      _nspawn_log "boot finished degraded; failed units:"
      nspawn_in systemctl --failed --no-legend --plain >&2 || true ;;
    *)
      _nspawn_log "boot did not finish (state '$state'); console:"
      tail -50 "$NSPAWN_DIR/console.log" >&2
      return 1 ;;
  esac
}

# nspawn_boot NAME [EXTRA UNITS TO MASK...] : build the overlay root and boot it.
nspawn_boot() {
  NSPAWN_NAME=$1; shift
  command -v systemd-nspawn >/dev/null || {
    _nspawn_log "systemd-nspawn missing (Debian package systemd-container)"; return 1; }
  NSPAWN_DIR=$(mktemp -d "/tmp/nspawn-$NSPAWN_NAME.XXXXXX")
  NSPAWN_ROOT=$NSPAWN_DIR/root
  mkdir -p "$NSPAWN_DIR/ovl" "$NSPAWN_ROOT"
  mount -t tmpfs -o mode=755 none "$NSPAWN_DIR/ovl" || return 1
  mkdir "$NSPAWN_DIR/ovl/u" "$NSPAWN_DIR/ovl/w"
  mount -t overlay none \
    -o "lowerdir=/,upperdir=$NSPAWN_DIR/ovl/u,workdir=$NSPAWN_DIR/ovl/w" "$NSPAWN_ROOT" || return 1
  # journald refuses a machine id equal to the host's.
  systemd-id128 new >"$NSPAWN_ROOT/etc/machine-id"
  local unit
  for unit in $NSPAWN_MASK_DEFAULT "$@"; do
    ln -sf /dev/null "$NSPAWN_ROOT/etc/systemd/system/$unit"
  done
  # A policy-rc.d on the host (left by a package test or install-deps.sh while it runs)
  # would stop maintainer scripts from starting services: the container is a normal system.
  rm -f "$NSPAWN_ROOT/usr/sbin/policy-rc.d"
  _nspawn_start
}

# nspawn_reboot : `systemctl reboot` inside; systemd-nspawn exits (status 133) and is
# started again on the same root, as systemd-nspawn@.service would.
nspawn_reboot() {
  nspawn_in systemctl reboot || true
  local i
  for i in $(seq 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$NSPAWN_PID" 2>/dev/null; then _nspawn_log "did not go down for reboot in 30 s"; return 1; fi
  wait "$NSPAWN_PID" 2>/dev/null || true
  _nspawn_start
}

# nspawn_stop : power off (30 s), else kill; unmount and remove everything. Safe to call
# more than once and on a half-built container.
nspawn_stop() {
  [ -n "$NSPAWN_DIR" ] || return 0
  local i
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    [ -n "$NSPAWN_LEADER" ] && timeout 10 nsenter -t "$NSPAWN_LEADER" -a -- systemctl poweroff >/dev/null 2>&1
    for i in $(seq 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
      _nspawn_log "no poweroff in 30 s: killing systemd-nspawn and the container's PID 1"
      kill -KILL "$NSPAWN_PID" 2>/dev/null
      # Killing systemd-nspawn alone left the container's systemd, sshd and daemon running
      # (seen: a later audit test took that sshd for the host's). SIGKILL to a PID
      # namespace's init ends every process in it.
      [ -n "$NSPAWN_LEADER" ] && kill -KILL "$NSPAWN_LEADER" 2>/dev/null
    fi
    wait "$NSPAWN_PID" 2>/dev/null || true
  fi
  umount "$NSPAWN_ROOT" 2>/dev/null || umount -l "$NSPAWN_ROOT" 2>/dev/null || true
  umount "$NSPAWN_DIR/ovl" 2>/dev/null || umount -l "$NSPAWN_DIR/ovl" 2>/dev/null || true
  if mountpoint -q "$NSPAWN_ROOT" || mountpoint -q "$NSPAWN_DIR/ovl"; then
    _nspawn_log "still mounted, not removing $NSPAWN_DIR"
  else
    rm -rf "$NSPAWN_DIR"
  fi
  NSPAWN_DIR=""; NSPAWN_PID=""; NSPAWN_LEADER=""
}
