#!/bin/bash
# The systemd unit in the source tree, without building a package: `systemd-analyze
# verify` is clean (with ExecStart pointed at the built binary, since verify wants the
# program to exist, and man pages not required yet), and the offline security
# assessment gives an exposure of 2.0 or lower.
#   unit_test.sh SOURCE_DIR BINARY
set -euo pipefail
src=${1:?usage: unit_test.sh SOURCE_DIR BINARY}
bin=${2:?usage: unit_test.sh SOURCE_DIR BINARY}
unit="$src/systemd/sshd-health.service"
failures=0

work=$(mktemp -d /tmp/sshd-health-unit-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/sbin/sshd-health |ExecStart=$bin |" "$unit" >"$work/sshd-health.service"
grep -q "^ExecStart=$bin daemon$" "$work/sshd-health.service" || { echo "FAIL: ExecStart line not as expected" >&2; exit 1; }

if systemd-analyze verify --man=no "$work/sshd-health.service" >"$work/verify.txt" 2>&1 &&
   [ ! -s "$work/verify.txt" ]; then
  echo "ok: systemd-analyze verify: clean"
else
  cat "$work/verify.txt" >&2; echo "FAIL: systemd-analyze verify" >&2; failures=$((failures + 1))
fi

systemd-analyze security --offline=true "$unit" >"$work/security.txt" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for sshd-health.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
  echo "ok: exposure $exposure (target 2.0 or lower)"
else
  cat "$work/security.txt" >&2; echo "FAIL: exposure '$exposure' above 2.0" >&2; failures=$((failures + 1))
fi

# The contract the daemon and the package rely on.
for line in Type=notify 'ExecStart=/usr/sbin/sshd-health daemon' 'ExecReload=/bin/kill -HUP $MAINPID' \
            Restart=on-failure StateDirectory=sshd-health ConfigurationDirectory=sshd-health \
            ProtectSystem=strict NoNewPrivileges=yes; do
  grep -qxF "$line" "$unit" && echo "ok: $line" || { echo "FAIL: unit lacks '$line'" >&2; failures=$((failures + 1)); }
done
grep -q '^WatchdogSec=' "$unit" && echo "ok: WatchdogSec" || { echo "FAIL: no WatchdogSec" >&2; failures=$((failures + 1)); }
echo "unit_test: $failures failed"
[ "$failures" -eq 0 ]
