// Vulcain's pure part: selector lists as clients send them, the request's directives (headers and
// query parameters), which responses it applies to, Link headers from Preload, Fields filtering,
// query-form relation rewriting, and documents it must leave alone.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/routes/vulcain.h"

using namespace pogo::server;
using namespace pogo::server::vulcain;
using nlohmann::ordered_json;

namespace {

RequestHead request(std::vector<Header> headers, std::string query = "") {
  RequestHead h;
  h.method = "GET";
  h.headers = std::move(headers);
  h.query = std::move(query);
  return h;
}

Directives directives(std::vector<Header> headers, std::string query = "") {
  auto d = request_directives(request(std::move(headers), std::move(query)));
  REQUIRE(d.has_value());
  return std::move(*d);
}

const char* const kBooks = R"({
  "@id": "/books",
  "member": [
    {"@id": "/books/1", "title": "1984", "genre": "novel", "author": "/authors/1", "rating": 4.5},
    {"@id": "/books/2", "title": "Homage to Catalonia", "author": "/authors/1", "tags": ["essay"]},
    {"@id": "/books/3", "title": "Untitled", "author": null}
  ],
  "totalItems": 3
})";

}  // namespace

TEST_CASE("vulcain: selector lists") {
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {R"("/author")", {"/author"}},
      {R"("/member/*/author", "/author")", {"/member/*/author", "/author"}},
      {R"("/member/*/author";hreflang="fr-FR", "/b"; type="image/webp")", {"/member/*/author", "/b"}},
      {"/member/*/author, /title", {"/member/*/author", "/title"}},  // bare pointers, as curl users type them
      {R"("/a\"b", "/c\\d")", {"/a\"b", "/c\\d"}},
      {R"("/a" garbage, "/b")", {"/b"}},                               // a malformed member is skipped
      {R"("unterminated, "/b")", {}},                                  // the string swallows the rest
      {R"(("/a" "/b"), token, 42, ?1, "/ok")", {"/ok"}},               // inner lists, tokens, numbers: ignored
      {R"("/bad\q", "/c")", {"/c"}},
      {"", {}},
      {" , ,", {}},
  };
  for (const auto& [list, expected] : cases) {
    CAPTURE(list);
    CHECK(parse_selector_list(list) == expected);
  }
}

TEST_CASE("vulcain: the tree of pointers") {
  Node root;
  add_pointer(root, "/member/*/author", false);
  add_pointer(root, "/member/*/title", true);
  add_pointer(root, "/a~1b/~2/~0x", true);
  add_pointer(root, "", true);
  add_pointer(root, "/", false);
  std::string deep;
  for (size_t i = 0; i <= kMaxSelectorDepth; ++i) deep += "/x";
  add_pointer(root, deep, false);  // too deep: ignored
  REQUIRE(root.children.size() == 2);
  const Node& member = root.children[0];
  CHECK(member.key == "member");
  CHECK(member.preload);
  CHECK(member.fields);
  REQUIRE(member.children.size() == 1);
  CHECK(member.children[0].wildcard);
  CHECK(member.children[0].children.size() == 2);
  const Node& escaped = root.children[1];
  CHECK(escaped.key == "a/b");
  CHECK(escaped.raw == "a~1b");
  CHECK(escaped.children[0].key == "*");
  CHECK(!escaped.children[0].wildcard);  // ~2 is a literal star
  CHECK(escaped.children[0].children[0].key == "~x");
}

TEST_CASE("vulcain: directives come from headers, else from the query") {
  CHECK(!request_directives(request({})).has_value());
  CHECK(!request_directives(request({{"Preload", "42, token"}})).has_value());  // nothing usable
  CHECK(!request_directives(request({}, "page=2&fieldset=x")).has_value());

  Directives h = directives({{"Preload", R"("/member/*/author")"}, {"Fields", R"("/member/*/title")"},
                             {"Preload", R"("/author")"}});
  CHECK(h.preload);
  CHECK(h.fields);
  CHECK(h.fields_header);
  CHECK(!h.preload_query);
  CHECK(h.tree.children.size() == 2);  // member (both) and author, from the two Preload lines

  Directives q = directives({}, "page=1&preload=%22%2Fmember%2F*%2Fauthor%22&fields=%22%2Fmember%2F*%2Fauthor%22");
  CHECK(q.preload_query);
  CHECK(q.fields_query);
  CHECK(!q.fields_header);

  Directives mixed = directives({{"Fields", R"("/title")"}}, "fields=%22%2Fgenre%22&preload=%22%2Fauthor%22");
  CHECK(mixed.fields_header);  // the header wins over the parameter
  CHECK(!mixed.fields_query);
  CHECK(mixed.preload_query);
  REQUIRE(mixed.tree.children.size() == 2);
  CHECK(mixed.tree.children[0].key == "author");
  CHECK(mixed.tree.children[1].key == "title");
}

TEST_CASE("vulcain: which responses it transforms") {
  auto hs = [](std::string type, std::string cache = "") {
    std::vector<Header> v{{"Content-Type", std::move(type)}};
    if (!cache.empty()) v.push_back({"Cache-Control", std::move(cache)});
    return v;
  };
  CHECK(applies_to(200, hs("application/json"), ""));
  CHECK(applies_to(200, hs("application/ld+json; charset=utf-8"), ""));
  CHECK(applies_to(201, hs("application/vnd.api+json"), ""));
  CHECK(applies_to(200, hs("APPLICATION/JSON"), ""));
  CHECK(!applies_to(200, hs("application/jsonp"), ""));
  CHECK(!applies_to(200, hs("text/html"), ""));
  CHECK(!applies_to(200, {}, ""));
  CHECK(!applies_to(404, hs("application/json"), ""));
  CHECK(!applies_to(304, hs("application/json"), ""));
  CHECK(!applies_to(200, hs("application/json", "public, no-transform"), ""));
  CHECK(applies_to(200, hs("application/json", "no-store"), ""));
  CHECK(applies_to(200, hs("application/json"), "selector=json-pointer"));
  CHECK(applies_to(200, hs("application/json"), "respond-async, selector=\"json-pointer\""));
  CHECK(!applies_to(200, hs("application/json"), "selector=css"));
}

TEST_CASE("vulcain: Preload finds relations and leaves the body as it was") {
  Directives d = directives({{"Preload", R"("/member/*/author", "/member/*/@id", "/totalItems", "/missing/x")"}});
  auto r = apply(kBooks, d, Options{});
  REQUIRE(r.has_value());
  CHECK(!r->changed);
  CHECK(r->body == kBooks);  // byte for byte: no reformatting
  // In traversal order, /authors/1 once; null and numbers are not relations.
  CHECK(r->links == std::vector<std::string>{
                        "</authors/1>; rel=preload; as=fetch",
                        "</books/1>; rel=preload; as=fetch",
                        "</books/2>; rel=preload; as=fetch",
                        "</books/3>; rel=preload; as=fetch",
                    });
}

TEST_CASE("vulcain: absolute URLs and max_pushes 0 say nopush; non-URLs are no relations") {
  Directives d = directives({{"Preload", R"("/*")"}});
  auto r = apply(R"(["https://cdn.example.com/a.json", "/rel", "George Orwell", "", "<x>"])", d, Options{0});
  REQUIRE(r.has_value());
  CHECK(r->links == std::vector<std::string>{"<https://cdn.example.com/a.json>; rel=preload; as=fetch; nopush",
                                             "</rel>; rel=preload; as=fetch; nopush"});
  r = apply(R"(["https://cdn.example.com/a.json", "/rel"])", d, Options{});
  CHECK(r->links == std::vector<std::string>{"<https://cdn.example.com/a.json>; rel=preload; as=fetch; nopush",
                                             "</rel>; rel=preload; as=fetch"});
}

TEST_CASE("vulcain: Fields keeps the selected fields, in the document's order") {
  Directives d = directives({{"Fields", R"("/member/*/title", "/member/*/author", "/@id")"}});
  auto r = apply(kBooks, d, Options{});
  REQUIRE(r.has_value());
  CHECK(r->changed);
  CHECK(r->links.empty());
  CHECK(ordered_json::parse(r->body) == ordered_json::parse(R"({"@id": "/books", "member": [
      {"title": "1984", "author": "/authors/1"},
      {"title": "Homage to Catalonia", "author": "/authors/1"},
      {"title": "Untitled", "author": null}]})"));
  CHECK(r->body.find("\"@id\":\"/books\",\"member\"") == 1);  // compact, in the document's order

  // Fields and Preload together: the spec's example.
  Directives both = directives({{"Preload", R"("/author")"}, {"Fields", R"("/author/familyName", "/genre")"}});
  r = apply(R"({"title": "1984", "genre": "novel", "author": "/authors/1"})", both, Options{});
  REQUIRE(r.has_value());
  CHECK(r->body == R"({"genre":"novel","author":"/authors/1"})");
  CHECK(r->links == std::vector<std::string>{"</authors/1>; rel=preload; as=fetch"});

  // A field selected as a whole keeps its value whole; missing fields are no error.
  Directives whole = directives({{"Fields", R"("/member", "/nothing/here")"}});
  r = apply(R"({"member": [{"a": 1}], "other": 2})", whole, Options{});
  CHECK(r->body == R"({"member":[{"a":1}]})");

  // An array index selects one element.
  Directives index = directives({{"Fields", R"("/member/1/title")"}});
  r = apply(kBooks, index, Options{});
  CHECK(r->body == R"({"member":[{"title":"Homage to Catalonia"}]})");
}

TEST_CASE("vulcain: query parameters pass the rest of the selector on to the relations") {
  Directives d = directives({}, "preload=%22%2Fmember%2F*%2Fauthor%22&fields=%22%2Fmember%2F*%2Fauthor%2FfamilyName%22");
  auto r = apply(R"({"member": [{"author": "/authors/1", "title": "x"}, {"author": "/authors/2?lang=en#top"}]})", d,
                 Options{});
  REQUIRE(r.has_value());
  CHECK(r->changed);
  CHECK(r->body ==
        R"({"member":[{"author":"/authors/1?fields=%22%2FfamilyName%22"},)"
        R"({"author":"/authors/2?lang=en&fields=%22%2FfamilyName%22#top"}]})");
  CHECK(r->links == std::vector<std::string>{"</authors/1?fields=%22%2FfamilyName%22>; rel=preload; as=fetch",
                                             "</authors/2?lang=en&fields=%22%2FfamilyName%22#top>; rel=preload; as=fetch"});

  Directives deep = directives({}, "preload=%22%2Fmember%2F*%2Fauthor%2Favatar%22");
  r = apply(R"({"member": ["/books/1"]})", deep, Options{});
  CHECK(r->body == R"({"member":["/books/1?preload=%22%2Fauthor%2Favatar%22"]})");
  // A relation on the way to the selected one is preloaded too: it must be fetched to reach the rest.
  CHECK(r->links == std::vector<std::string>{"</books/1?preload=%22%2Fauthor%2Favatar%22>; rel=preload; as=fetch"});
}

TEST_CASE("vulcain: what is not a JSON document is left alone") {
  Directives d = directives({{"Preload", R"("/a")"}, {"Fields", R"("/a")"}});
  CHECK(!apply("", d, Options{}).has_value());
  CHECK(!apply("{\"a\": ", d, Options{}).has_value());
  CHECK(!apply("<html></html>", d, Options{}).has_value());
  CHECK(!apply("{\"a\": \"\xff\xfe\"}", d, Options{}).has_value());
  std::string deep(kMaxDocumentDepth + 10, '[');
  deep += std::string(kMaxDocumentDepth + 10, ']');
  CHECK(!apply(deep, d, Options{}).has_value());
  // Scalars and mismatched shapes are valid documents with nothing selected.
  auto r = apply("\"/a\"", d, Options{});
  REQUIRE(r.has_value());
  CHECK(r->links.empty());
  r = apply("[1, 2]", d, Options{});
  CHECK(r->body == "[]");
  // Selectors that go on past a string stop there: the string is the relation to follow.
  r = apply(R"({"a": {"b": "/x"}})", directives({{"Preload", R"("/a/b/c/d", "/a/*/*")"}}), Options{});
  CHECK(r->links == std::vector<std::string>{"</x>; rel=preload; as=fetch"});
}

TEST_CASE("vulcain: Vary lists each token once") {
  std::vector<Header> hs{{"Vary", "Accept-Encoding, preload"}};
  add_vary(hs, "Preload");
  add_vary(hs, "Fields");
  add_vary(hs, "Fields");
  REQUIRE(hs.size() == 1);
  CHECK(hs[0].value == "Accept-Encoding, preload, Fields");
  std::vector<Header> none;
  add_vary(none, "Preload");
  add_vary(none, "Fields");
  REQUIRE(none.size() == 1);
  CHECK(none[0].value == "Preload, Fields");
  std::vector<Header> star{{"Vary", "*"}};
  add_vary(star, "Preload");
  CHECK(star.size() == 1);
}
