#include "server/routes/expression.h"

#include <charconv>
#include <optional>
#include <stdexcept>

#include "caddyfile/expression.h"
#include "server/routes/matcher.h"
#include "server/routes/placeholders.h"

namespace pogo::server {

using Kind = caddyfile::cel::Node::Kind;

struct ExpressionNode {
  Kind kind = Kind::null;
  std::string text;
  int64_t number = 0;
  std::vector<ExpressionNode> children;
  std::unique_ptr<Matcher> matcher;     // a matcher function call
  std::unique_ptr<CompiledRegex> regex;  // matches() with a literal pattern
};

namespace {

struct Value {
  enum class Type { error, null, boolean, integer, string, list, map };
  Type type = Type::error;
  bool b = false;
  int64_t i = 0;
  std::string s;
  std::vector<Value> items;  // a list's items; a map's keys and values, alternating

  static Value boolean(bool v) {
    Value out;
    out.type = Type::boolean;
    out.b = v;
    return out;
  }
};

bool as_integer(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// CEL's heterogeneous equality: values of different types are unequal, not an error. Pogo's
// liberty: text that spells an integer equals that integer.
bool equal(const Value& a, const Value& b) {
  if (a.type != b.type) {
    int64_t n = 0;
    if (a.type == Value::Type::integer && b.type == Value::Type::string) return as_integer(b.s, n) && n == a.i;
    if (a.type == Value::Type::string && b.type == Value::Type::integer) return as_integer(a.s, n) && n == b.i;
    return false;
  }
  switch (a.type) {
    case Value::Type::null: return true;
    case Value::Type::boolean: return a.b == b.b;
    case Value::Type::integer: return a.i == b.i;
    case Value::Type::string: return a.s == b.s;
    case Value::Type::list:
    case Value::Type::map:
      if (a.items.size() != b.items.size()) return false;
      for (size_t k = 0; k < a.items.size(); ++k)
        if (!equal(a.items[k], b.items[k])) return false;
      return true;
    case Value::Type::error: return false;
  }
  return false;
}

// -1, 0, 1; nullopt when the two cannot be ordered (an error in CEL).
std::optional<int> order(const Value& a, const Value& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : x > y ? 1 : 0; };
  int64_t n = 0;
  if (a.type == Value::Type::integer && b.type == Value::Type::integer) return cmp(a.i, b.i);
  if (a.type == Value::Type::integer && b.type == Value::Type::string && as_integer(b.s, n)) return cmp(a.i, n);
  if (a.type == Value::Type::string && b.type == Value::Type::integer && as_integer(a.s, n)) return cmp(n, b.i);
  if (a.type == Value::Type::string && b.type == Value::Type::string) return cmp(a.s.compare(b.s), 0);
  if (a.type == Value::Type::boolean && b.type == Value::Type::boolean) return cmp(int(a.b), int(b.b));
  return std::nullopt;
}

bool regex_search(const CompiledRegex& cr, const std::string& s) { return std::regex_search(s, cr.re); }

Value eval(const ExpressionNode& n, Request& r);

// Operands of && and ||: the value that decides wins over an error on the other side.
Value logical(const ExpressionNode& n, Request& r, bool is_and) {
  Value l = eval(n.children[0], r);
  bool decides = is_and ? false : true;
  if (l.type == Value::Type::boolean && l.b == decides) return l;
  Value rv = eval(n.children[1], r);
  if (rv.type == Value::Type::boolean && rv.b == decides) return rv;
  if (l.type != Value::Type::boolean || rv.type != Value::Type::boolean) return {};
  return Value::boolean(!decides);
}

Value method(const ExpressionNode& n, Request& r) {
  Value target = eval(n.children[0], r);
  if (target.type != Value::Type::string) return {};
  if (n.text == "matches" && n.regex) return Value::boolean(regex_search(*n.regex, target.s));
  Value arg = eval(n.children[1], r);
  if (arg.type != Value::Type::string) return {};
  if (n.text == "startsWith") return Value::boolean(target.s.starts_with(arg.s));
  if (n.text == "endsWith") return Value::boolean(target.s.ends_with(arg.s));
  if (n.text == "contains") return Value::boolean(target.s.find(arg.s) != std::string::npos);
  try {  // matches() with a pattern known only now
    return Value::boolean(regex_search(compile_regex("", arg.s), target.s));
  } catch (const std::regex_error&) {
    return {};
  }
}

Value eval(const ExpressionNode& n, Request& r) {
  Value v;
  switch (n.kind) {
    case Kind::string:
      v.type = Value::Type::string;
      v.s = n.text;
      return v;
    case Kind::integer:
      v.type = Value::Type::integer;
      v.i = n.number;
      return v;
    case Kind::boolean: return Value::boolean(n.number != 0);
    case Kind::null: v.type = Value::Type::null; return v;
    case Kind::list:
    case Kind::map:
      v.type = n.kind == Kind::list ? Value::Type::list : Value::Type::map;
      for (const auto& c : n.children) v.items.push_back(eval(c, r));
      return v;
    case Kind::placeholder: {
      auto text = placeholder_value(n.text, r);
      if (!text) {
        v.type = Value::Type::null;
        return v;
      }
      v.type = Value::Type::string;
      v.s = std::move(*text);
      return v;
    }
    case Kind::logical_not: {
      Value x = eval(n.children[0], r);
      return x.type == Value::Type::boolean ? Value::boolean(!x.b) : Value{};
    }
    case Kind::logical_and: return logical(n, r, true);
    case Kind::logical_or: return logical(n, r, false);
    case Kind::compare: {
      Value a = eval(n.children[0], r), b = eval(n.children[1], r);
      if (a.type == Value::Type::error || b.type == Value::Type::error) return {};
      if (n.text == "==") return Value::boolean(equal(a, b));
      if (n.text == "!=") return Value::boolean(!equal(a, b));
      auto o = order(a, b);
      if (!o) return {};
      if (n.text == "<") return Value::boolean(*o < 0);
      if (n.text == "<=") return Value::boolean(*o <= 0);
      if (n.text == ">") return Value::boolean(*o > 0);
      return Value::boolean(*o >= 0);
    }
    case Kind::in: {
      Value x = eval(n.children[0], r), c = eval(n.children[1], r);
      if (x.type == Value::Type::error) return {};
      if (c.type == Value::Type::list) {
        for (const auto& item : c.items)
          if (equal(x, item)) return Value::boolean(true);
        return Value::boolean(false);
      }
      if (c.type == Value::Type::map) {
        for (size_t k = 0; k < c.items.size(); k += 2)
          if (equal(x, c.items[k])) return Value::boolean(true);
        return Value::boolean(false);
      }
      return {};
    }
    case Kind::conditional: {
      Value c = eval(n.children[0], r);
      if (c.type != Value::Type::boolean) return {};
      return eval(n.children[c.b ? 1 : 2], r);
    }
    case Kind::call:
      if (n.matcher) return Value::boolean(n.matcher->matches(r));
      {  // matches(text, pattern)
        Value target = eval(n.children[0], r), pattern = eval(n.children[1], r);
        if (target.type != Value::Type::string || pattern.type != Value::Type::string) return {};
        if (n.regex) return Value::boolean(regex_search(*n.regex, target.s));
        try {
          return Value::boolean(regex_search(compile_regex("", pattern.s), target.s));
        } catch (const std::regex_error&) {
          return {};
        }
      }
    case Kind::method: return method(n, r);
  }
  return v;
}

std::unique_ptr<CompiledRegex> literal_regex(const caddyfile::cel::Node& pattern) {
  if (pattern.kind != Kind::string) return nullptr;
  try {
    return std::make_unique<CompiledRegex>(compile_regex("", pattern.text));
  } catch (const std::regex_error& e) {
    throw std::runtime_error("expression matcher: matches(): invalid regular expression \"" + pattern.text + "\": " + e.what());
  }
}

ExpressionNode build(const caddyfile::cel::Node& n, const std::string& name) {
  ExpressionNode out;
  out.kind = n.kind;
  out.text = n.text;
  out.number = n.number;
  for (const auto& c : n.children) out.children.push_back(build(c, name));
  if (n.kind == Kind::call && caddyfile::cel::is_matcher_function(n.text))
    out.matcher = std::make_unique<Matcher>(Matcher::from_set(caddyfile::cel::matcher_call_set(n, ""), name));
  if (n.kind == Kind::call && n.text == "matches") out.regex = literal_regex(n.children[1]);
  if (n.kind == Kind::method && n.text == "matches") out.regex = literal_regex(n.children[1]);
  return out;
}

}  // namespace

std::shared_ptr<const Expression> Expression::compile(const std::string& text, const std::string& name) {
  caddyfile::cel::Node tree;
  try {
    tree = caddyfile::cel::parse(text);
  } catch (const caddyfile::cel::ExpressionError& e) {
    throw std::runtime_error(e.what());
  }
  return std::make_shared<const Expression>(text, std::make_unique<ExpressionNode>(build(tree, name)));
}

Expression::Expression(std::string text, std::unique_ptr<ExpressionNode> root)
    : text_(std::move(text)), root_(std::move(root)) {}

Expression::~Expression() = default;

bool Expression::matches(Request& r) const {
  Value v = eval(*root_, r);
  return v.type == Value::Type::boolean && v.b;
}

}  // namespace pogo::server
