#include "server/header_edit.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>


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

// Go's Regexp.Expand: $1 and ${1} are groups by number, $name and ${name} by name (the longest
// run of letters, digits and '_'), $$ is '$'; an unknown group is empty.
void expand(std::string& out, const std::string& tmpl, const std::smatch& m, const CompiledRegex& cr) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    size_t end = i + 1;
    if (tmpl[end] == '{') {
      size_t close = tmpl.find('}', end);
      if (close == std::string::npos) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      while (end < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[end])) || tmpl[end] == '_')) ++end;
      name = tmpl.substr(i + 1, end - i - 1);
    }
    if (name.empty()) {
      out += tmpl[i];
      continue;
    }
    size_t group = std::string::npos;
    if (name.find_first_not_of("0123456789") == std::string::npos) {
      group = std::stoul(name.substr(0, 6));
    } else {
      for (size_t g = 0; g < cr.group_names.size(); ++g)
        if (cr.group_names[g] == name) group = g;
    }
    if (group < m.size() && m[group].matched) out += m[group].str();
    i = end - 1;
  }
}

void replace_regexp(std::string& s, const CompiledRegex& cr, const std::string& with) {
  std::string out;
  auto begin = s.cbegin();
  for (std::sregex_iterator it(s.begin(), s.end(), cr.re), end; it != end; ++it) {
    const std::smatch& m = *it;
    out.append(begin, m[0].first);
    expand(out, with, m, cr);
    begin = m[0].second;
  }
  out.append(begin, s.cend());
  s = std::move(out);
}

void apply(const caddyfile::HeaderOp& op, const CompiledRegex* find, std::vector<Header>& hs) {
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
      if (!find) break;
      for (auto& h : hs)
        if (header_field_matches(op.field, h.name)) replace_regexp(h.value, *find, op.replacement);
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

void HeaderOps::apply_to_request(std::vector<Header>& headers) const {
  for (size_t i = 0; i < ops.size(); ++i) apply(ops[i], find(i), headers);
}

void HeaderOps::apply_all(const std::vector<std::shared_ptr<const HeaderOps>>& all, std::vector<Header>& headers) {
  // Immediate operations build the headers the response starts with; the producer's win.
  // (Added fields are kept beside the producer's; set fields give way to them.)
  std::vector<Header> base, added;
  for (const auto& ops : all) {
    if (ops->defer) continue;
    for (size_t i = 0; i < ops->ops.size(); ++i) {
      const auto& op = ops->ops[i];
      if (implies_defer(op)) continue;
      apply(op, ops->find(i), base);
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
    for (size_t i = 0; i < ops->ops.size(); ++i) {
      const auto& op = ops->ops[i];
      if (!ops->defer && !implies_defer(op)) continue;
      apply(op, ops->find(i), headers);
      if (op.op == Op::remove && header_field_matches(op.field, "Server")) server_removed = !has(headers, "Server");
      if (op.op != Op::remove && header_name_equals(op.field, "Server")) server_removed = false;
    }
  if (server_removed) headers.push_back({"Server", ""});  // the serializer then adds no default
}

}  // namespace pogo::server
