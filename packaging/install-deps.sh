#!/bin/sh
# Installs what building and testing sshd-health needs, from Debian packages only.
# Does nothing (and needs no network) when everything is already installed.
#   install-deps.sh          build dependencies
#   install-deps.sh --test   build + test dependencies (real sshd, journal-remote, ...)
#   install-deps.sh --deb    build dependencies + Debian packaging tools (make deb)
#   install-deps.sh --bench  test dependencies + the peer tools `make bench` races
#   install-deps.sh --fuzz   build dependencies + clang and libFuzzer (make fuzz)
set -eu

BUILD_PKGS="cmake ninja-build g++ pkg-config ccache
  libsystemd-dev libyaml-cpp-dev libboost-dev libspdlog-dev catch2 libre2-dev
  libcli11-dev nlohmann-json3-dev libexpected-dev libcurl4-openssl-dev libssl-dev zlib1g-dev"
# Real peers the tests start on loopback. fail2ban: `why`'s e2e bans through a real
# fail2ban-server it starts in a private mount namespace (its dummy action changes no
# firewall; the package's own service is not started here, see policy-rc.d below); the
# conformance test still takes its annotated logs from the .deb (apt-get download).
# nftables, iptables: `why`'s e2e drops a client with real rules in a network namespace
# of its own (the machine's firewall is not touched).
# systemd-container: systemd-nspawn, which boots this machine's root as a container for
# the package test on a real systemd (tests/packaging/nspawn_test.sh).
# prometheus, prometheus-alertmanager, prometheus-node-exporter: the fleet tests
# (tests/fleet/) scrape, alert and read the textfile with the real engines; their
# services are not started (policy-rc.d below), the tests run their own on loopback.
TEST_PKGS="openssh-server openssh-client systemd-journal-remote python3 python3-aiosmtpd
  openssl iproute2 procps sshpass prometheus prometheus-alertmanager prometheus-node-exporter
  systemd-container clang-format fail2ban util-linux mount nftables iptables"

# Building the Debian package: `install-deps.sh --deb` (make deb), and the packaging test (part of --test).
DEB_PKGS="dpkg-dev debhelper scdoc lintian man-db"
# make bench: fail2ban's fail2ban-regex and sshguard's parser are the peers it measures
# against (their services are never started: see policy-rc.d below), GNU time for RSS.
BENCH_PKGS="fail2ban sshguard time grep coreutils"

# make fuzz, and the fuzz step of make test (ctest -L fuzz): clang-14 with its sanitizer
# and libFuzzer runtimes (tests/fuzz/).
FUZZ_PKGS="clang-14 libclang-rt-14-dev libfuzzer-14-dev"

pkgs=$BUILD_PKGS
case "${1:-}" in
  --test) pkgs="$pkgs $TEST_PKGS $DEB_PKGS $FUZZ_PKGS" ;;
  --fuzz) pkgs="$pkgs $FUZZ_PKGS" ;;
  --deb) pkgs="$pkgs $DEB_PKGS" ;;
  --bench) pkgs="$pkgs $TEST_PKGS $BENCH_PKGS" ;;
esac

missing=""
for p in $pkgs; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages:$missing" >&2
  echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
  exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# policy-rc.d keeps package scripts from starting services (openssh-server, fail2ban,
# sshguard) on this box.
had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
apt-get install -y -q --no-install-recommends $missing
[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
