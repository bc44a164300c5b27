#pragma once
// The banner probe: a TCP connect to sshd and a read of its identification line
// (RFC 4253 4.2). It reports what happened on the wire; whether an identification is
// acceptable (protocol version, length) is the liveness check's call.
#include <chrono>
#include <string>

#include "audit/host_view.h"
#include "audit/probe_ledger.h"

namespace sshd_health {

/// Everything within `timeout`. `address` is numeric (no name lookup). kOk: a line
/// starting "SSH-" was read (in `banner`, CR LF removed); kBadBanner: none in the first
/// 8 KiB. Blocks the calling thread. After the banner it sends kProbeIdentification, so
/// sshd logs the connection as a probe. With a `ledger`, the connection is recorded there
/// (local port before connect, local address once connected, then whether sshd answered)
/// before sshd can log anything about it.
BannerProbe ReadSshBanner(const std::string& address, int port, std::chrono::milliseconds timeout,
                          ProbeLedger* ledger = nullptr);

}  // namespace sshd_health
