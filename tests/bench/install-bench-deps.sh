#!/bin/sh
# Installs what `make bench` needs beyond the test dependencies: the peer tools it races
# (fail2ban's fail2ban-regex, sshguard's parser), GNU time, and systemd-journal-remote
# for the journal variant. Debian packages only; does nothing when all are present.
# No service is started: fail2ban and sshguard ship units and init scripts, and a
# policy-rc.d that answers 101 keeps their maintainer scripts from starting them.
set -eu

BENCH_PKGS="fail2ban sshguard time systemd-journal-remote python3 grep coreutils"

missing=""
for p in $BENCH_PKGS; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-bench-deps: missing Debian packages:$missing" >&2
  echo "install-bench-deps: run as root, or: sudo apt-get install$missing" >&2
  exit 1
fi
echo "install-bench-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
apt-get install -y -q --no-install-recommends $missing
[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
