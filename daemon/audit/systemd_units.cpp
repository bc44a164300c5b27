#include "audit/systemd_units.h"

#include <systemd/sd-bus.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace sshd_health {

Result<UnitState> QueryUnitState(const std::string& unit) {
  sd_bus* raw_bus = nullptr;
  if (const int r = sd_bus_open_system(&raw_bus); r < 0) {
    return Fail(std::string("no system bus: ") + std::strerror(-r));
  }
  std::unique_ptr<sd_bus, sd_bus* (*)(sd_bus*)> bus(raw_bus, sd_bus_flush_close_unref);
  sd_bus_error error{};  // = SD_BUS_ERROR_NULL, without its C99 compound literal
  sd_bus_message* reply = nullptr;
  // LoadUnit (unlike GetUnit) also answers for units that are not loaded.
  int r = sd_bus_call_method(bus.get(), "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                             "org.freedesktop.systemd1.Manager", "LoadUnit", &error, &reply, "s",
                             unit.c_str());
  if (r < 0) {
    std::string message = error.message ? error.message : std::strerror(-r);
    sd_bus_error_free(&error);
    return Fail("systemd on the bus: " + message);
  }
  const char* object_path = nullptr;
  r = sd_bus_message_read(reply, "o", &object_path);
  std::string path = r >= 0 && object_path ? object_path : "";
  sd_bus_message_unref(reply);
  if (path.empty()) return Fail("no object path for " + unit);

  UnitState state;
  state.name = unit;
  auto get_string = [&](const char* iface, const char* prop, std::string& out) {
    char* value = nullptr;
    sd_bus_error e{};  // = SD_BUS_ERROR_NULL, without its C99 compound literal
    if (sd_bus_get_property_string(bus.get(), "org.freedesktop.systemd1", path.c_str(), iface, prop,
                                   &e, &value) >= 0 &&
        value) {
      out = value;
    }
    std::free(value);
    sd_bus_error_free(&e);
  };
  get_string("org.freedesktop.systemd1.Unit", "LoadState", state.load_state);
  get_string("org.freedesktop.systemd1.Unit", "ActiveState", state.active_state);
  get_string("org.freedesktop.systemd1.Unit", "SubState", state.sub_state);
  sd_bus_error e{};  // = SD_BUS_ERROR_NULL, without its C99 compound literal
  std::uint32_t restarts = 0;
  if (sd_bus_get_property_trivial(bus.get(), "org.freedesktop.systemd1", path.c_str(),
                                  "org.freedesktop.systemd1.Service", "NRestarts", &e, 'u',
                                  &restarts) >= 0) {
    state.n_restarts = restarts;
  }
  sd_bus_error_free(&e);
  return state;
}

}  // namespace sshd_health
