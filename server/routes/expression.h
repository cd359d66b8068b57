// The `expression` matcher at request time: the CEL tree caddyfile/expression.h parses, compiled
// once (matcher function calls become Matchers, literal regexps are compiled) and evaluated per
// request. Evaluation follows CEL where it matters to matching: values are typed (string, int,
// bool, null, list, map), `&&`/`||` short-circuit and absorb an error on the other side, and a
// result that is not `true` (false, or an evaluation error such as a type mismatch) means "no
// match", as in Caddy. One liberty: a placeholder's text compares equal to an integer when it
// spells that integer (`{http.request.port} == 8080`), since Pogo's placeholders are text.
//
// Threads: compiled on the main thread at start-up; matches() on any loop thread concurrently
// (it only reads the compiled tree; matcher calls record their captures in the Request).
#pragma once

#include <memory>
#include <string>

#include "server/request.h"

namespace pogo::server {

struct ExpressionNode;

class Expression {
 public:
  // `name` (the named matcher's) names regexp captures of calls that give none. Throws
  // std::runtime_error naming what is wrong (syntax, an invalid regexp or IP range).
  static std::shared_ptr<const Expression> compile(const std::string& text, const std::string& name);

  Expression(std::string text, std::unique_ptr<ExpressionNode> root);
  ~Expression();

  bool matches(Request& r) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::unique_ptr<ExpressionNode> root_;
};

}  // namespace pogo::server
