#include "rules/event_keys.h"

#include <algorithm>
#include <cstring>

#include "core/hash_index.h"

namespace sshd_health {
namespace {

// "value\0host" in `buffer` (sized once, then reused): two copies, where std::string's
// assign and appends cost more than the bytes they move, on every failed login.
std::string_view JoinHost(std::string& buffer, std::string_view value, std::string_view host) {
  const std::size_t size = value.size() + 1 + host.size();
  if (buffer.size() < size) buffer.resize(size);
  char* out = buffer.data();
  // An empty view's data() may be null, which memcpy may not be given even for 0 bytes.
  if (!value.empty()) std::memcpy(out, value.data(), value.size());
  out[value.size()] = '\0';
  if (!host.empty()) std::memcpy(out + value.size() + 1, host.data(), host.size());
  return std::string_view(out, size);
}

}  // namespace

std::uint32_t EventKeys::Register(const GroupKey& key, bool per_host) {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].key == key && slots_[i].per_host == per_host)
      return static_cast<std::uint32_t>(i);
  }
  Slot s;
  s.key = key;
  s.per_host = per_host;
  s.plain =
      key.size() == 1 && (key[0] == KeyPart{KeyField::kIp} || key[0] == KeyPart{KeyField::kUser});
  s.host_only = key.size() == 1 && key[0].field == KeyField::kHost;
  s.ip_part = !s.plain && key.size() == 1 && key[0].field == KeyField::kIp;
  slots_.push_back(std::move(s));
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

void EventKeys::NewOrigin(const SshdEvent& e) const {
  ++origin_run_;
  raw_host_.assign(e.host);
  if (raw_host_.empty()) {
    origin_ = local_host_;
  } else {
    const std::string_view raw = raw_host_;
    const std::string_view h = raw.substr(0, raw.find('\0'));
    origin_ = h.substr(0, std::min(h.size(), max_bytes_));
  }
  remote_ = origin_ != local_host_;
}

std::uint64_t EventKeys::OriginHash(const SshdEvent& e) {
  const std::uint64_t run = OriginRun(e);
  if (origin_hash_run_ != run) {
    origin_hash_run_ = run;
    origin_hash_ = KeyHash(origin_);
  }
  return origin_hash_;
}

const EventKeys::Value& EventKeys::WholeIpOnHost(const SshdEvent& e) {
  if (whole_ip_host_event_ != event_) {
    whole_ip_host_event_ = event_;
    const std::string_view ip = WholeIp(e).text;
    whole_ip_host_.complete = !ip.empty();
    whole_ip_host_.text = JoinHost(whole_ip_host_text_, ip, OriginHost(e));
    whole_ip_host_.hash = KeyHash(whole_ip_host_.text);
  }
  return whole_ip_host_;
}

const EventKeys::Value& EventKeys::WholeIp(const SshdEvent& e) {
  if (whole_ip_event_ != event_) {
    whole_ip_event_ = event_;
    whole_ip_.text = std::string_view(e.ip).substr(0, std::min(e.ip.size(), max_bytes_));
    whole_ip_.complete = !whole_ip_.text.empty();
    whole_ip_.hash = KeyHash(whole_ip_.text);
  }
  return whole_ip_;
}

const EventKeys::Value& EventKeys::IpPrefix(const SshdEvent& e, bool v6, int bits) {
  if (prefix_event_ != event_ || prefix_v6_ != v6 || prefix_bits_ != bits) {
    prefix_event_ = event_;
    prefix_v6_ = v6;
    prefix_bits_ = bits;
    prefix_text_.clear();
    AppendKeyValue(KeyPart{KeyField::kIp, v6 ? 32 : bits, v6 ? bits : 128}, e, max_bytes_,
                   prefix_text_);
    prefix_.text = prefix_text_;
    prefix_.complete = !prefix_.text.empty();
    prefix_.hash = KeyHash(prefix_.text);
  }
  return prefix_;
}

const EventKeys::Value& EventKeys::Get(std::uint32_t id, const SshdEvent& e) {
  Slot& s = slots_[id];
  if (s.event == event_) return s.value;
  s.event = event_;
  // Another machine's event in a per-host key gets its host appended: none of the
  // shared whole-address values below fits it.
  const bool add_host = s.per_host && IsRemote(e);
  if (s.plain && s.key[0].field == KeyField::kIp) {
    s.value = add_host ? WholeIpOnHost(e) : WholeIp(e);
    return s.value;
  }
  if (s.ip_part && !e.ip.empty() && e.ip.size() <= 64) {
    // AppendKeyValue writes the address unchanged for the family without a prefix.
    const bool v6 = IsIpv6Text(e.ip);
    const int bits = v6 ? s.key[0].v6_bits : s.key[0].v4_bits;
    if (bits == (v6 ? 128 : 32)) {
      s.value = add_host ? WholeIpOnHost(e) : WholeIp(e);
      return s.value;
    }
    const Value& net = IpPrefix(e, v6, bits);
    if (!add_host) {
      s.value = net;
      return s.value;
    }
    s.value.text = JoinHost(s.text, net.text, OriginHost(e));
    s.value.complete = net.complete;
    s.value.hash = KeyHash(s.value.text);
    return s.value;
  }
  if (s.host_only && !add_host) {
    s.value.text = OriginHost(e);
    s.value.complete = !s.value.text.empty();
    s.value.hash = OriginHash(e);
    return s.value;
  }
  s.value.complete = true;
  if (s.key.empty() && !add_host) {
    s.value.text = {};
  } else if (s.plain) {
    const std::string_view v = s.key[0].field == KeyField::kIp ? e.ip : e.user;
    const std::string_view cut = v.substr(0, std::min(v.size(), max_bytes_));
    s.value.text = add_host ? JoinHost(s.text, cut, OriginHost(e)) : cut;
    s.value.complete = !cut.empty();
  } else {
    s.text.clear();
    for (std::size_t i = 0; i < s.key.size(); ++i) {
      if (i > 0) s.text += '\0';
      const std::size_t before = s.text.size();
      if (s.key[i].field == KeyField::kHost) {
        s.text.append(OriginHost(e));
      } else {
        AppendKeyValue(s.key[i], e, max_bytes_, s.text);
      }
      if (s.text.size() == before) s.value.complete = false;
    }
    if (add_host) {
      // Last, after a NUL even for an empty key: the rule engine strips it by length.
      s.text += '\0';
      s.text.append(OriginHost(e));
    }
    s.value.text = s.text;
  }
  s.value.hash = KeyHash(s.value.text);
  return s.value;
}

}  // namespace sshd_health
