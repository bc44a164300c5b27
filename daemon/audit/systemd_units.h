#pragma once
// systemd unit state over the system bus (sd-bus): RealHost's GetUnitState.
#include <string>

#include "audit/host_view.h"

namespace sshd_health {

/// LoadState, ActiveState, SubState and NRestarts of `unit` from systemd's manager
/// object. An error when there is no system bus or systemd does not answer; a property
/// it does not report stays at its default. Opens and closes its own bus connection, so
/// it is safe from any thread.
Result<UnitState> QueryUnitState(const std::string& unit);

}  // namespace sshd_health
