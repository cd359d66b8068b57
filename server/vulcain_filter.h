// Vulcain (https://vulcain.rocks, the `vulcain` directive): a client names, with extended JSON
// pointers (`/member/*/author`, `*` for every element, `~2` for a literal `*`), the relations of a
// JSON document it will fetch next (`Preload`) and the parts of it it will use (`Fields`), as
// Structured Field lists in request headers or in the `preload` / `fields` query parameters. The
// server answers with `Link: <url>; rel=preload; as=fetch` for every relation found (and a 103
// Early Hints carrying them), and with the document cut down to the selected fields.
//
// This is the response side, in the core because the stream executes it: deciding whether a
// response is one Vulcain applies to, and transforming a complete body. The Stream buffers the
// body (at most kMaxBody bytes) and calls apply() once it has all of it. Parsing what a request
// asks into a selector tree is the `vulcain` handler's side, in server/routes/vulcain.h.
//
// Threads: any; nothing here keeps state between calls.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"

namespace pogo::server::vulcain {

// Bodies past this size pass through unfiltered (and without Link headers): Vulcain needs the
// whole document in memory.
constexpr size_t kMaxBody = 10u << 20;
// Documents nested deeper than this pass through: it bounds the recursion on the loop thread (as
// routes/vulcain.h's kMaxSelectorDepth bounds the selectors).
constexpr size_t kMaxDocumentDepth = 512;

// One segment of the selector tree. The root has an empty `raw`.
struct Node {
  std::string raw;  // the pointer segment as written (escapes kept): what query rewriting sends on
  std::string key;  // unescaped (~2 -> *, ~1 -> /, ~0 -> ~)
  bool wildcard = false;  // raw == "*": every element of an array (every member of an object)
  bool preload = false;   // some Preload selector goes through (or ends at) this node
  bool fields = false;    // some Fields selector does
  std::vector<Node> children;

  bool has_preload_children() const;
  bool has_fields_children() const;
};

// What one request asks.
struct Directives {
  Node tree;
  bool preload = false;        // a Preload header or query parameter with at least one selector
  bool fields = false;         // the same for Fields
  bool preload_query = false;  // ... came from the query string: relations are rewritten to pass
  bool fields_query = false;   //     the rest of the selector on
  bool fields_header = false;  // Fields came in a header (the response varies on it)
};

// A JSON media type (Caddy's test: the word "json" in Content-Type, so application/json,
// application/ld+json, application/vnd.api+json, ...).
bool is_json_type(std::string_view content_type);

// Whether Vulcain transforms this response: a 2xx (or 300) JSON response without
// `Cache-Control: no-transform`, to a request whose `Prefer` (when sent) asks for
// `selector=json-pointer`.
bool applies_to(int status, const std::vector<Header>& headers, std::string_view prefer);

struct Options {
  int max_pushes = -1;  // 0: every Link says `nopush` (Pogo never pushes; see README)
};

struct Result {
  std::string body;                // the document to send (the input itself when unchanged)
  std::vector<std::string> links;  // Link header values, in document order, without duplicates
  bool changed = false;            // body differs from the input
};

// Transforms a complete body. nullopt when it is not valid JSON (or too deep): the response is then
// sent as it came.
std::optional<Result> apply(std::string_view body, const Directives& d, const Options& o);

// Adds `token` to the first Vary header (or a new one) unless some Vary header lists it already.
void add_vary(std::vector<Header>& headers, std::string_view token);

}  // namespace pogo::server::vulcain

namespace pogo::server {

// What the `vulcain` handler leaves in a request's ResponseFilters: the directive's options and
// what this request asks (nothing: its JSON responses only get `Vary: Preload, Fields`).
// Threads: made by the handler on the request's loop thread, then only read there (by its Stream).
struct VulcainRequest {
  vulcain::Options options;
  bool early_hints = true;
  std::optional<vulcain::Directives> directives;
  std::string prefer;  // the request's Prefer header (selector=json-pointer)
};

}  // namespace pogo::server
