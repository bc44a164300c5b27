// The stale-library check on an overlayfs root (a container booted with systemd-nspawn
// from an overlay, a live system). Issue 15: there it said "ok (28 mapped files, 28 not
// comparable)": it had compared nothing and called that ok. The numbers below are what
// Linux 6.18 showed for sshd in such a container (tests/packaging/nspawn.sh): maps gives
// the overlay's device 0:41, stat(2) the lower layer's pseudo device 0:43, both inode
// 332870; after `cp libcrypto.so.3 x && mv x libcrypto.so.3` maps says "(deleted)" and
// the path is a new upper-layer inode.
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>

#include "audit/stale_library_check.h"
#include "audit_test_util.h"
#include "fake_host.h"

using namespace sshd_health;

namespace {

constexpr const char* kLibcrypto = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3";
constexpr const char* kOverlayRoot =
    "105 84 0:41 / / rw,relatime shared:1 - overlay none "
    "rw,lowerdir=/,upperdir=/tmp/u,workdir=/tmp/w\n"
    "106 105 0:44 / /tmp rw,nosuid,nodev shared:2 - tmpfs tmpfs rw,size=2468360k\n";

struct OverlayHost {
  test::FakeHost host;
  AuditContext ctx;
  OverlayHost() {
    ctx.sshd.config.Add("pidfile", "/run/sshd.pid");
    host.AddFile("/run/sshd.pid", "38\n");
    host.AddLink("/proc/38/exe", "/usr/sbin/sshd");
    host.AddFile("/proc/38/mountinfo", kOverlayRoot);
    AddOnDisk("/usr/sbin/sshd", makedev(0, 43), 1311);
    AddOnDisk(kLibcrypto, makedev(0, 43), 332870);
  }
  void AddOnDisk(const std::string& path, dev_t dev, std::uint64_t ino) {
    host.AddFile("/proc/38/root" + path, "");
    host.Info("/proc/38/root" + path).dev = dev;
    host.Info("/proc/38/root" + path).ino = ino;
  }
};

}  // namespace

TEST_CASE("on an overlayfs root the mapped files are compared by inode, not called ok unseen",
          "[audit]") {
  OverlayHost o;
  StaleLibraryCheck check(o.ctx);
  SECTION("current files: ok, and the detail says they were compared") {
    o.host.AddFile("/proc/38/maps",
                   "1-2 r-xp 0 00:29 1311 /usr/sbin/sshd\n"
                   "3-4 r--p 0 00:29 332870 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n");
    auto result = check.Run(o.host);
    REQUIRE(result);
    CHECK(result->empty());
    CHECK(check.Detail().find("2 compared by inode on overlayfs") != std::string::npos);
    CHECK(check.Detail().find("not comparable") == std::string::npos);
  }
  SECTION("libcrypto replaced in the container (maps says deleted): critical") {
    o.AddOnDisk(kLibcrypto, makedev(0, 42), 40);
    o.host.AddFile("/proc/38/maps",
                   "1-2 r-xp 0 00:29 1311 /usr/sbin/sshd\n"
                   "3-4 r--p 0 00:29 332870 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)\n");
    auto result = check.Run(o.host);
    REQUIRE(result);
    REQUIRE(result->size() == 1);
    CHECK((*result)[0].id == "stale_library.sshd");
    CHECK((*result)[0].subject == kLibcrypto);
    CHECK((*result)[0].severity == Severity::kCritical);
  }
  SECTION("libcrypto replaced without a deleted mark: the inode differs, critical") {
    o.AddOnDisk(kLibcrypto, makedev(0, 42), 40);
    o.host.AddFile("/proc/38/maps",
                   "3-4 r--p 0 00:29 332870 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n");
    auto result = check.Run(o.host);
    REQUIRE(result);
    REQUIRE(result->size() == 1);
    CHECK((*result)[0].summary.find("inode 332870 mapped, 40 on disk") != std::string::npos);
  }
}

TEST_CASE("a stale-library check that could compare none of sshd's files is unknown", "[audit]") {
  OverlayHost o;
  StaleLibraryCheck check(o.ctx);
  SECTION("the maps device is not an overlay mount of sshd's (a bind mount from elsewhere)") {
    o.host.AddFile("/proc/38/maps",
                   "1-2 r-xp 0 fd:01 1311 /usr/sbin/sshd\n"
                   "3-4 r--p 0 fd:01 332870 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n");
    auto result = check.Run(o.host);
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("none of the 2 files sshd maps could be compared") !=
          std::string::npos);
  }
  SECTION("sshd's mountinfo cannot be read") {
    o.host.AddFile("/proc/38/mountinfo", "");
    o.host.AddFile("/proc/38/maps", "1-2 r-xp 0 00:29 1311 /usr/sbin/sshd\n");
    CHECK_FALSE(check.Run(o.host));
  }
  SECTION("one file deleted is a verdict even when the rest cannot be compared") {
    o.host.AddFile("/proc/38/mountinfo", "");
    o.host.AddFile("/proc/38/maps",
                   "1-2 r-xp 0 00:29 1311 /usr/sbin/sshd\n"
                   "3-4 r--p 0 00:29 332870 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)\n");
    auto result = check.Run(o.host);
    REQUIRE(result);
    REQUIRE(result->size() == 1);
    CHECK(check.Detail().find("1 not comparable") != std::string::npos);
  }
}

TEST_CASE("mountinfo parsing: device, decoded mount point, type - the innermost mount holds a path",
          "[audit]") {
  const auto mounts = ParseMountInfo(
      "105 84 0:41 / / rw,relatime shared:1 - overlay none rw,lowerdir=/\n"
      "106 105 0:44 / /tmp rw,nosuid shared:2 master:7 - tmpfs tmpfs rw\n"
      "107 105 254:0 /srv /mnt/with\\040space rw - ext4 /dev/vda rw\n"
      "garbage\n"
      "108 105 0:50 / /usr/lib rw - tmpfs tmpfs rw\n");
  REQUIRE(mounts.size() == 4);
  CHECK(mounts[0].major == 0);
  CHECK(mounts[0].minor == 41);
  CHECK(mounts[0].fstype == "overlay");
  CHECK(mounts[1].fstype == "tmpfs");
  CHECK(mounts[2].major == 254);
  CHECK(mounts[2].mount_point == "/mnt/with space");
  CHECK(MountOf(mounts, "/usr/sbin/sshd")->fstype == "overlay");
  CHECK(MountOf(mounts, "/usr/lib/libz.so.1")->minor == 50);
  CHECK(MountOf(mounts, "/usr/library/x")->minor == 41);  // a prefix of the name, not a directory
  CHECK(MountOf(mounts, "/tmp")->minor == 44);
  CHECK(MountOf({}, "/x") == nullptr);
}
