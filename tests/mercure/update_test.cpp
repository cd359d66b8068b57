// mercure/update.h, sse.h and publish_form.h: ids, validation, the SSE bytes an update becomes,
// and the publish form read into an update.
#include "mercure/publish_form.h"
#include "mercure/sse.h"
#include "mercure/update.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace pogo::mercure;

TEST_CASE("update: generated ids are random version-4 UUID URNs") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = generate_update_id();
        REQUIRE(id.size() == 9 + 36);
        CHECK(id.rfind("urn:uuid:", 0) == 0);
        CHECK(id[9 + 8] == '-');
        CHECK(id[9 + 14] == '4');  // version
        CHECK(std::string("89ab").find(id[9 + 19]) != std::string::npos);  // variant
        seen.insert(id);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("update: validation follows the spec's reserved values and character rules") {
    Update ok{{"https://example.com/books/1"}, "data", false, "urn:uuid:1", "book", 0};
    CHECK_FALSE(validate_update(ok));
    Update u = ok;
    u.topics.clear();
    CHECK(validate_update(u) == "missing \"topic\" parameter");
    u = ok;
    u.topics.push_back("https://example.com/\x01");
    CHECK(validate_update(u));
    u = ok;
    u.topics = {"https://example.com/\xe2\x80\x8b"};  // U+200B zero width space, a format character
    CHECK(validate_update(u));
    u = ok;
    u.topics = {"https://example.com/caf\xc3\xa9"};  // non-ASCII is fine
    CHECK_FALSE(validate_update(u));
    u = ok;
    u.topics = {"https://example.com/\xc2\x85"};  // C1 (NEL)
    CHECK(validate_update(u));
    u = ok;
    u.topics = {"https://example.com/\xff"};  // not UTF-8
    CHECK(validate_update(u));
    u = ok;
    u.id = "#1";
    CHECK(validate_update(u) == "the id must not start with '#' (reserved for ids the hub generates)");
    u.id = "earliest";
    CHECK(validate_update(u) == "the id \"earliest\" is reserved");
    u.id = "a\nid: b";
    CHECK(validate_update(u) == "the id contains control or format characters");
    u = ok;
    u.type = "mercure";
    CHECK(validate_update(u) == "the event type \"mercure\" is reserved for the hub");
    u.type = "a\rb";
    CHECK(validate_update(u) == "the event type contains control or format characters");
    u = ok;
    u.data = "line1\nline2\r\n\ttabbed \xc3\xa9";  // control characters are fine in data
    CHECK_FALSE(validate_update(u));
    u.data = "\xc0\xaf";  // overlong
    CHECK(validate_update(u) == "the data is not valid UTF-8");
}

TEST_CASE("sse: an update's event, field by field") {
    Update u{{"https://example.com/books/1"}, "hello", false, "urn:uuid:1", "", 0};
    CHECK(sse_event(u) == "id: urn:uuid:1\ndata: hello\n\n");
    u.type = "book";
    u.retry = 1500;
    CHECK(sse_event(u) == "event: book\nretry: 1500\nid: urn:uuid:1\ndata: hello\n\n");
    // CR, LF and CRLF each end a data line; empty lines are kept; trailing newline too.
    u.type.clear();
    u.retry = 0;
    u.data = "a\nb\rc\r\nd\n\ne\n";
    CHECK(sse_event(u) == "id: urn:uuid:1\ndata: a\ndata: b\ndata: c\ndata: d\ndata: \ndata: e\ndata: \n\n");
    // "\r\r\n" is two line ends, not one.
    u.data = "x\r\r\ny";
    CHECK(sse_event(u) == "id: urn:uuid:1\ndata: x\ndata: \ndata: y\n\n");
    // Empty data still carries a data field, so the client dispatches the event.
    u.data = "";
    CHECK(sse_event(u) == "id: urn:uuid:1\ndata: \n\n");
    // Appending keeps what was there; the heartbeat and retry frames.
    std::string out = std::string(kSseHeartbeat);
    append_sse_event(&out, u);
    CHECK(out == ":\nid: urn:uuid:1\ndata: \n\n");
    CHECK(sse_retry(5000) == "retry: 5000\n\n");
    // A forged newline in id or type (never validated) cannot add a field.
    u.id = "1\nevent: x";
    u.type = "t\r\nretry: 1";
    CHECK(sse_event(u) == "event: tretry: 1\nid: 1event: x\ndata: \n\n");
}

TEST_CASE("publish form: fields, repeated topics, private by presence, retry digits only") {
    std::string error;
    auto u = parse_publish_form(
        "topic=https%3A%2F%2Fexample.com%2Fbooks%2F1&topic=https://example.com/users/alice&data=the+content%0Aline2"
        "&private=on&id=urn%3Auuid%3A42&type=book&retry=2500&unknown=ignored",
        &error);
    INFO(error);
    REQUIRE(u);
    CHECK(u->topics == std::vector<std::string>{"https://example.com/books/1", "https://example.com/users/alice"});
    CHECK(u->data == "the content\nline2");
    CHECK(u->is_private);
    CHECK(u->id == "urn:uuid:42");
    CHECK(u->type == "book");
    CHECK(u->retry == 2500);

    // `private` with any value, an empty one or none at all is private; absent is public.
    for (const char* body : {"topic=a&private", "topic=a&private=", "topic=a&private=false", "topic=a&private=0"}) {
        INFO(body);
        auto p = parse_publish_form(body, &error);
        REQUIRE(p);
        CHECK(p->is_private);
    }
    auto pub = parse_publish_form("topic=a&data=x", &error);
    REQUIRE(pub);
    CHECK_FALSE(pub->is_private);
    CHECK(pub->id.empty());  // the hub assigns it
    CHECK(pub->retry == 0);

    // The first of a repeated single field counts; empty pairs are skipped; empty retry is none.
    auto first = parse_publish_form("&&topic=a&data=1&data=2&retry=&id=x&id=y", &error);
    REQUIRE(first);
    CHECK(first->data == "1");
    CHECK(first->id == "x");
    CHECK(first->retry == 0);
}

TEST_CASE("publish form: errors") {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {"", "missing \"topic\" parameter"},
        {"data=x", "missing \"topic\" parameter"},
        {"topic=a&retry=abc", "invalid \"retry\" parameter: abc"},
        {"topic=a&retry=-1", "invalid \"retry\" parameter: -1"},
        {"topic=a&retry=%2B1", "invalid \"retry\" parameter: +1"},
        {"topic=a&retry=1.5", "invalid \"retry\" parameter: 1.5"},
        {"topic=a&retry=99999999999999999999999", "invalid \"retry\" parameter: 99999999999999999999999"},
        {"topic=a%2", "invalid %-escape in the form"},
        {"topic=a&data=%zz", "invalid %-escape in the form"},
        {"topic=a&id=earliest", "the id \"earliest\" is reserved"},
        {"topic=a&type=mercure", "the event type \"mercure\" is reserved for the hub"},
        {"topic=a&data=%FF", "the data is not valid UTF-8"},
    };
    for (const auto& [body, want] : cases) {
        INFO(body);
        std::string error;
        CHECK_FALSE(parse_publish_form(body, &error));
        CHECK(error == want);
    }
    // A NUL in a topic is refused (and the message carries it as is, for the log to escape).
    std::string error;
    CHECK_FALSE(parse_publish_form("topic=a%00b", &error));
    CHECK(error == std::string("invalid topic \"a\0b\"", 19));
    CHECK(form_decode("a+b%20c%2B") == "a b c+");
    CHECK_FALSE(form_decode("%"));
    CHECK_FALSE(form_decode("%4"));
}
