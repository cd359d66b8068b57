#include "server/routes/header_ops.h"

#include <algorithm>

#include "server/routes/placeholders.h"

namespace pogo::server {

using Op = caddyfile::HeaderOp::Op;

namespace {

bool implies_defer(const caddyfile::HeaderOp& op) {
  return op.op == Op::remove || op.op == Op::set_default || op.op == Op::replace;
}

bool has(const std::vector<Header>& hs, std::string_view name) {
  return std::any_of(hs.begin(), hs.end(), [&](const Header& h) { return header_name_equals(h.name, name); });
}

void erase_matching(std::vector<Header>& hs, std::string_view pattern) {
  std::erase_if(hs, [&](const Header& h) { return header_field_matches(pattern, h.name); });
}

void replace_all(std::string& s, const std::string& find, const std::string& with) {
  if (find.empty()) return;
  for (size_t pos = s.find(find); pos != std::string::npos; pos = s.find(find, pos + with.size()))
    s.replace(pos, find.size(), with);
}

void apply(const caddyfile::HeaderOp& op, std::vector<Header>& hs) {
  switch (op.op) {
    case Op::set:
      erase_matching(hs, op.field);
      hs.push_back({op.field, op.value});
      break;
    case Op::add:
      hs.push_back({op.field, op.value});
      break;
    case Op::remove:
      erase_matching(hs, op.field);
      break;
    case Op::set_default:
      if (!has(hs, op.field)) hs.push_back({op.field, op.value});
      break;
    case Op::replace:
      for (auto& h : hs)
        if (header_field_matches(op.field, h.name)) replace_all(h.value, op.value, op.replacement);
      break;
  }
}

}  // namespace

bool header_field_matches(std::string_view pattern, std::string_view name) {
  if (pattern == "*") return true;
  bool pre = pattern.starts_with("*"), suf = pattern.size() > 1 && pattern.ends_with("*");
  std::string_view core = pattern.substr(pre ? 1 : 0, pattern.size() - (pre ? 1 : 0) - (suf ? 1 : 0));
  auto ieq_at = [&](size_t at) { return at + core.size() <= name.size() && header_name_equals(name.substr(at, core.size()), core); };
  if (pre && suf) {
    for (size_t i = 0; i + core.size() <= name.size(); ++i)
      if (ieq_at(i)) return true;
    return false;
  }
  if (pre) return name.size() >= core.size() && ieq_at(name.size() - core.size());
  if (suf) return ieq_at(0);
  return header_name_equals(pattern, name);
}

std::shared_ptr<const HeaderOps> HeaderOps::resolve(const caddyfile::HeaderSpec& spec, const Request& r) {
  auto out = std::make_shared<HeaderOps>();
  out->defer = spec.defer;
  for (const auto& op : spec.ops) {
    caddyfile::HeaderOp o = op;
    o.value = replace_placeholders(op.value, r);
    o.replacement = replace_placeholders(op.replacement, r);
    out->ops.push_back(std::move(o));
  }
  return out;
}

void HeaderOps::apply_all(const std::vector<std::shared_ptr<const HeaderOps>>& all, std::vector<Header>& headers) {
  // Immediate operations build the headers the response starts with; the producer's win.
  // (Added fields are kept beside the producer's; set fields give way to them.)
  std::vector<Header> base, added;
  for (const auto& ops : all) {
    if (ops->defer) continue;
    for (const auto& op : ops->ops) {
      if (implies_defer(op)) continue;
      apply(op, base);
      if (op.op == Op::add) added.push_back({op.field, op.value});
    }
  }
  if (!base.empty()) {
    std::vector<Header> merged;
    for (auto& b : base) {
      bool was_added = std::any_of(added.begin(), added.end(),
                                   [&](const Header& a) { return header_name_equals(a.name, b.name) && a.value == b.value; });
      if (was_added || !has(headers, b.name)) merged.push_back(std::move(b));
    }
    for (auto& h : headers) merged.push_back(std::move(h));
    headers = std::move(merged);
  }
  bool server_removed = false;
  for (const auto& ops : all)
    for (const auto& op : ops->ops) {
      if (!ops->defer && !implies_defer(op)) continue;
      apply(op, headers);
      if (op.op == Op::remove && header_field_matches(op.field, "Server")) server_removed = !has(headers, "Server");
      if (op.op != Op::remove && header_name_equals(op.field, "Server")) server_removed = false;
    }
  if (server_removed) headers.push_back({"Server", ""});  // the serializer then adds no default
}

}  // namespace pogo::server
