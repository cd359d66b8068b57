#include "server/routes/header_ops.h"

#include <stdexcept>

#include "server/routes/placeholders.h"

namespace pogo::server {

using Op = caddyfile::HeaderOp::Op;

HeaderFinds compile_header_finds(const caddyfile::HeaderSpec& spec) {
  HeaderFinds out;
  for (const auto& op : spec.ops) {
    if (op.op != Op::replace) {
      out.push_back(nullptr);
      continue;
    }
    try {
      out.push_back(std::make_shared<const CompiledRegex>(compile_regex("", op.value)));
    } catch (const std::regex_error& e) {
      throw std::runtime_error("header " + op.field + ": invalid regular expression \"" + op.value + "\": " + e.what());
    }
  }
  return out;
}

std::shared_ptr<const HeaderOps> resolve_header_ops(const caddyfile::HeaderSpec& spec, const HeaderFinds& finds,
                                                    const Request& r) {
  auto out = std::make_shared<HeaderOps>();
  out->defer = spec.defer;
  out->finds = finds;
  for (const auto& op : spec.ops) {
    caddyfile::HeaderOp o = op;
    if (op.op != Op::replace) o.value = replace_placeholders(op.value, r);
    o.replacement = replace_placeholders(op.replacement, r);
    out->ops.push_back(std::move(o));
  }
  return out;
}

}  // namespace pogo::server
