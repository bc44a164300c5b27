#!/bin/bash
# The Debian package, end to end on this machine: build it (make deb), lint it, install
# it with dpkg into a clean state, run the installed binary (config validate, check,
# scan with the shipped rules), verify the installed unit, then remove and purge it and
# check nothing is left behind.
#
#   deb_test.sh SOURCE_DIR
#
# Needs root (dpkg -i). It changes the machine while it runs (/usr/sbin/sshd-health,
# /etc/sshd-health, /usr/share/sshd-health): ctest runs it alone (RUN_SERIAL), and it
# purges the package on every exit path.
set -euo pipefail

src=$(cd "${1:?usage: deb_test.sh SOURCE_DIR}" && pwd)
out="$src/build-deb"
pkg=sshd-health
failures=0
pending=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# An assertion that cannot pass until another part of sshd-health lands (the command is
# still a stub). It is written as it should be and reported, not skipped silently.
pending() { echo "PENDING: $*" >&2; pending=$((pending + 1)); }

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: installing a package with dpkg needs root" >&2
  exit 77
fi
for tool in dpkg-buildpackage dh scdoc lintian systemd-analyze python3 ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (packaging/install-deps.sh --test)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/sshd-health-deb-test.XXXXXX)
policy_rc_d_created=0
cleanup() {
  [ -s "$work/ssh/sshd.pid" ] && kill "$(cat "$work/ssh/sshd.pid")" 2>/dev/null || true
  dpkg --purge "$pkg" >/dev/null 2>&1 || true
  [ "$policy_rc_d_created" = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ -e "$work/saved-state" ] && [ ! -e /var/lib/sshd-health ]; then
    mv "$work/saved-state" /var/lib/sshd-health
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- Clean state --------------------------------------------------------------------
dpkg --purge "$pkg" >/dev/null 2>&1 || true
# /var/lib/sshd-health is also the default state_dir of any `sshd-health check` run as
# root from a build tree: keep what is there aside, since purging removes it, and put it
# back at the end.
if [ -e /var/lib/sshd-health ]; then
  mv /var/lib/sshd-health "$work/saved-state"
fi
for leftover in /etc/sshd-health /usr/share/sshd-health; do
  if [ -e "$leftover" ]; then
    echo "FAIL: $leftover exists before the package is installed (an old install?)" >&2
    exit 1
  fi
done

# --- Build and lint -----------------------------------------------------------------
start=$(date +%s)
JOBS=${JOBS:-2} sh "$src/packaging/build-deb.sh" "$out" >"$work/build.log" 2>&1 || {
  tail -50 "$work/build.log" >&2
  echo "FAIL: package build" >&2
  exit 1
}
echo "package built in $(($(date +%s) - start)) s"
deb=$(ls "$out"/${pkg}_*.deb)
[ -f "$deb" ] || { echo "FAIL: no .deb in $out" >&2; exit 1; }
ok "built $(basename "$deb")"

lintian --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
if grep -q '^E: ' "$work/lintian.txt"; then fail "lintian reports errors"; else ok "lintian: no errors"; fi

# Hardening flags reached the binary: PIE, full RELRO (bind now), stack protector.
dpkg-deb -x "$deb" "$work/root"
bin="$work/root/usr/sbin/sshd-health"
readelf -h "$bin" | grep -q 'Type:.*DYN' && ok "PIE" || fail "binary is not PIE"
readelf -d "$bin" | grep -q 'BIND_NOW\|FLAGS.*NOW' && ok "bind now" || fail "binary lacks BIND_NOW"
readelf -lW "$bin" | grep -q GNU_RELRO && ok "RELRO" || fail "binary lacks RELRO"

# --- Install ------------------------------------------------------------------------
# On a machine where systemd runs, dh_installsystemd's postinst would start the daemon;
# a policy-rc.d that denies starts keeps this test from running a service (here no
# systemd runs as PID 1, and the postinst must cope with that too).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  policy_rc_d_created=1
fi
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; echo "FAIL: dpkg -i" >&2; exit 1; }
ok "installed"

for f in /usr/sbin/sshd-health /lib/systemd/system/sshd-health.service \
         /etc/sshd-health/config.yaml /usr/share/doc/sshd-health/copyright \
         /usr/share/man/man8/sshd-health.8.gz /usr/share/man/man5/sshd-health.yaml.5.gz; do
  [ -f "$f" ] && ok "$f" || fail "$f missing"
done
[ -x /usr/sbin/sshd-health ] || fail "/usr/sbin/sshd-health is not executable"
[ -d /usr/share/sshd-health/rules ] && ok "/usr/share/sshd-health/rules" || fail "/usr/share/sshd-health/rules missing"
# The vulnerabilities check's CVE list, byte for byte the tree's.
cmp -s "$src/rules/vulnerabilities/openssh.yaml" /usr/share/sshd-health/rules/vulnerabilities/openssh.yaml &&
  ok "/usr/share/sshd-health/rules/vulnerabilities/openssh.yaml" ||
  fail "/usr/share/sshd-health/rules/vulnerabilities/openssh.yaml missing or not the tree's"
# The Prometheus alerting rules (README "Running a fleet"), the tree's file.
cmp -s "$src/config/prometheus-rules.yml" /usr/share/sshd-health/prometheus-rules.yml &&
  ok "/usr/share/sshd-health/prometheus-rules.yml" ||
  fail "/usr/share/sshd-health/prometheus-rules.yml missing or not the tree's"
# The rules shipped are exactly the tree's rules/*.yaml.
expected_rules=$(cd "$src/rules" && ls -1 -- *.yaml 2>/dev/null | sort || true)
installed_rules=$(cd /usr/share/sshd-health/rules 2>/dev/null && ls -1 -- *.yaml 2>/dev/null | sort || true)
[ "$expected_rules" = "$installed_rules" ] && ok "rules installed: $(echo $installed_rules)" ||
  fail "rules: expected [$expected_rules], installed [$installed_rules]"
dpkg-query -W -f='${Conffiles}\n' "$pkg" | grep -q '^ */etc/sshd-health/config.yaml ' &&
  ok "config.yaml is a conffile" || fail "config.yaml is not a conffile"
[ -L /etc/systemd/system/multi-user.target.wants/sshd-health.service ] &&
  ok "unit enabled" || fail "unit not enabled by the postinst"
dpkg-query -W -f='${Depends}\n' "$pkg" | grep -q 'libc6' && ok "Depends from shlibs" || fail "Depends lacks shlibs"
man -l /usr/share/man/man8/sshd-health.8.gz 2>/dev/null | grep -q 'sshd-health check' &&
  ok "man page sshd-health(8) renders" || fail "man page sshd-health(8) does not render"
man -l /usr/share/man/man5/sshd-health.yaml.5.gz 2>/dev/null | grep -q 'state_dir' &&
  ok "man page sshd-health.yaml(5) renders" || fail "man page sshd-health.yaml(5) does not render"

# --- The installed unit -------------------------------------------------------------
if systemd-analyze verify /lib/systemd/system/sshd-health.service >"$work/verify.txt" 2>&1 &&
   [ ! -s "$work/verify.txt" ]; then
  ok "systemd-analyze verify: clean"
else
  cat "$work/verify.txt" >&2
  fail "systemd-analyze verify"
fi
systemd-analyze security --offline=true /lib/systemd/system/sshd-health.service >"$work/security.txt" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for sshd-health.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
if [ -n "$exposure" ] && python3 -c "import sys; sys.exit(0 if float('$exposure') <= 2.0 else 1)"; then
  ok "exposure $exposure (target 2.0 or lower)"
else
  tail -5 "$work/security.txt" >&2
  fail "exposure '${exposure}' above 2.0"
fi

# --- The installed binary -----------------------------------------------------------
/usr/sbin/sshd-health --version | grep -q '^sshd-health ' && ok "--version" || fail "--version"

stub() { grep -q 'not implemented yet' "$1"; }

# The shipped config (the default path) validates.
rc=0
/usr/sbin/sshd-health config validate >"$work/validate.out" 2>&1 || rc=$?
if stub "$work/validate.out"; then
  pending "config validate is a stub (want: exit 0 on the shipped config)"
elif [ "$rc" -eq 0 ] && grep -q '^OK: config /etc/sshd-health/config.yaml, [1-9][0-9]* rules from /usr/share/sshd-health/rules' "$work/validate.out" &&
     ! grep -q 'no rule files' "$work/validate.out"; then
  ok "config validate: shipped config is valid, shipped rules load: $(head -1 "$work/validate.out")"
else cat "$work/validate.out" >&2; fail "config validate of the shipped config: exit $rc"; fi

# check against a test sshd_config with its own host key; state in the temp directory.
mkdir -p "$work/ssh" "$work/state"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/ssh_host_ed25519_key"
cat >"$work/ssh/sshd_config" <<EOF
Port 22
ListenAddress 127.0.0.1
HostKey $work/ssh/ssh_host_ed25519_key
EOF
cat >"$work/config.yaml" <<EOF
state_dir: $work/state
sources: { journal: { enabled: false }, files: [] }
audit:
  sshd_config: $work/ssh/sshd_config
  probe: { timeout: 2s }
notify:
  notifiers: [ { name: out, type: stdout } ]
EOF
rc=0
/usr/sbin/sshd-health check -c "$work/config.yaml" --format json >"$work/check.json" 2>"$work/check.err" || rc=$?
if stub "$work/check.err"; then
  pending "check is a stub (want: exit 0..3 and a JSON report with status and checks)"
elif [ "$rc" -le 3 ] && python3 - "$work/check.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["status"] in ("ok", "warning", "critical", "unknown"), report["status"]
assert isinstance(report["checks"], list) and report["checks"], "no checks"
for c in report["checks"]:
    assert {"check", "status", "findings"} <= c.keys(), c
EOF
then ok "check: exit $rc, JSON report"
else cat "$work/check.json" "$work/check.err" >&2; fail "check: exit $rc or report not as specified"; fi

# The unit's privileges, approximated without systemd by setpriv: capability bounding
# set CAP_SYS_PTRACE only, no new privileges, groups adm and systemd-journal. Against a
# real sshd (root, on 127.0.0.1) every audit must still see what it needs: `sshd -T`
# runs (host keys are root's) and sshd's /proc entries are readable (its pid appears
# in the stale_libraries detail).
if stub "$work/check.err"; then
  pending "check is a stub (want: under the unit's capabilities, sshd -T runs and sshd's /proc is read)"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$work/ssh/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $work/ssh/ssh_host_ed25519_key
PidFile $work/ssh/sshd.pid
EOF
  mkdir -p /run/sshd
  /usr/sbin/sshd -f "$work/ssh/sshd_config" -E "$work/ssh/sshd.log"
  for _ in $(seq 100); do [ -s "$work/ssh/sshd.pid" ] && break; sleep 0.05; done  # wait for the pid file
  sshd_pid=$(cat "$work/ssh/sshd.pid")
  as_unit() {
    setpriv --bounding-set=-all,+sys_ptrace --inh-caps=-all --no-new-privs \
      --groups=adm,systemd-journal -- "$@"
  }
  rc=0
  as_unit /usr/sbin/sshd-health check -c "$work/config.yaml" --format json >"$work/check-unit.json" 2>"$work/check-unit.err" || rc=$?
  if python3 - "$work/check-unit.json" "$sshd_pid" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
checks = {c["check"]: c for c in report["checks"]}
# Whether sshd's settings are good is the audits' business; here each must have run.
for name in ("config", "host_keys", "stale_libraries", "liveness"):
    assert checks[name]["status"] != "unknown", (name, checks[name])
assert "sshd -T" in checks["config"].get("detail", ""), checks["config"]
assert sys.argv[2] in checks["stale_libraries"].get("detail", ""), checks["stale_libraries"]
EOF
  then ok "check with the unit's capabilities: sshd -T ran, sshd's /proc was read (exit $rc)"
  else cat "$work/check-unit.json" "$work/check-unit.err" >&2; fail "check with the unit's capabilities"; fi
  # For the record (not asserted; kernels differ): the same without CAP_SYS_PTRACE.
  setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- \
    /usr/sbin/sshd-health check -c "$work/config.yaml" --format json --only stale_libraries 2>/dev/null |
    python3 -c 'import json, sys; c = json.load(sys.stdin)["checks"][0]; print("info: without CAP_SYS_PTRACE, stale_libraries:", c["status"], "-", c.get("detail", ""))' || true
  kill "$sshd_pid" 2>/dev/null || true
fi

# scan a small log with the shipped rules: MaxStartups drops must alert.
cat >"$work/auth.log" <<'EOF'
Nov 21 16:31:01 web1 sshd[812]: error: beginning MaxStartups throttling
Nov 21 16:31:02 web1 sshd[812]: drop connection #10 from [203.0.113.7]:51234 on [192.0.2.1]:22 past MaxStartups
Nov 21 16:31:02 web1 sshd[812]: drop connection #11 from [203.0.113.8]:51240 on [192.0.2.1]:22 past MaxStartups
Nov 21 16:31:03 web1 sshd[812]: drop connection #12 from [203.0.113.9]:40022 on [192.0.2.1]:22 past MaxStartups
Nov 21 16:31:09 web1 sshd[812]: exited MaxStartups throttling after 00:00:08, 3 connections dropped
EOF
rc=0
/usr/sbin/sshd-health scan -c "$work/config.yaml" --format json "$work/auth.log" >"$work/scan.json" 2>"$work/scan.err" || rc=$?
if stub "$work/scan.err"; then
  pending "scan is a stub (want: exit 0 and an alert of rule sshd.maxstartups.drop)"
elif [ "$rc" -eq 0 ] && python3 - "$work/scan.json" <<'EOF'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rules = {a["rule"] for a in alerts}
assert "sshd.maxstartups.drop" in rules, rules
EOF
then ok "scan: shipped rules alert on MaxStartups drops"
else cat "$work/scan.json" "$work/scan.err" >&2; fail "scan: exit $rc or no sshd.maxstartups.drop alert"; fi

# The installed daemon on the shipped config, started as the unit starts it: the unit's
# capabilities (setpriv), its state directory (StateDirectory=), and systemd's side of
# Type=notify and WatchdogSec played by notify_probe.py: READY=1, WATCHDOG=1, SIGHUP
# (ExecReload) reloads, SIGTERM stops with exit 0.
if timeout 5 /usr/sbin/sshd-health daemon -c /nonexistent 2>&1 | grep -q 'not implemented yet'; then
  pending "daemon is a stub (want: READY=1, WATCHDOG=1, reload on SIGHUP, exit 0 on SIGTERM)"
else
  mkdir -p -m 0700 /var/lib/sshd-health
  if python3 "$src/tests/packaging/notify_probe.py" -- \
       setpriv --bounding-set=-all,+sys_ptrace --inh-caps=-all --no-new-privs \
       --groups=adm,systemd-journal -- /usr/sbin/sshd-health daemon; then
    ok "daemon under the unit's terms: ready, watchdog, reload, stop"
  else
    fail "daemon under the unit's terms"
  fi
fi

# --- Remove and purge ---------------------------------------------------------------
mkdir -p /var/lib/sshd-health && echo cursor >/var/lib/sshd-health/journal.cursor  # as the daemon would
dpkg --remove "$pkg" >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg --remove"; }
[ ! -e /usr/sbin/sshd-health ] && ok "remove: binary gone" || fail "remove left /usr/sbin/sshd-health"
[ ! -e /usr/share/sshd-health ] && ok "remove: /usr/share/sshd-health gone" || fail "remove left /usr/share/sshd-health"
[ -f /etc/sshd-health/config.yaml ] && ok "remove: conffile kept" || fail "remove deleted the conffile"
dpkg --purge "$pkg" >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge"; }
for gone in /etc/sshd-health /usr/share/sshd-health /var/lib/sshd-health \
            /lib/systemd/system/sshd-health.service \
            /etc/systemd/system/multi-user.target.wants/sshd-health.service; do
  [ ! -e "$gone" ] && [ ! -L "$gone" ] && ok "purge: $gone gone" || fail "purge left $gone"
done
status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
case "$status" in
  "" | *not-installed) ok "purge: dpkg lists $pkg as not installed" ;;
  *) fail "after purge dpkg lists $pkg as: $status" ;;
esac

echo "deb_test: $failures failed, $pending pending"
[ "$failures" -eq 0 ]
