#include "audit/audit_scheduler.h"

namespace sshd_health {

// STUB: implemented by the auditors work (issue 4).
struct AuditScheduler::State {};

AuditScheduler::AuditScheduler(boost::asio::io_context& io, const Config& config, AlertSink& sink)
    : state_(std::make_unique<State>()) {
  (void)io;
  (void)config;
  (void)sink;
}
AuditScheduler::~AuditScheduler() = default;
void AuditScheduler::Start() {}
void AuditScheduler::Stop() {}

}  // namespace sshd_health
