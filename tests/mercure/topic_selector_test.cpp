// mercure/topic_selector.h: `*`, exact IRIs and templates; sets matched as "any" (subscribers) and
// "all" (publishers); the private-update rule; the shared template cache.
#include "mercure/topic_selector.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using namespace pogo::mercure;

TEST_CASE("topic selector: wildcard, exact IRI, template, and a broken template taken literally") {
    TemplateCache cache;
    TopicSelector any("*", &cache);
    CHECK(any.is_wildcard());
    CHECK(any.matches("https://example.com/anything"));
    CHECK(any.matches(""));

    TopicSelector exact("https://example.com/books/1", &cache);
    CHECK_FALSE(exact.is_template());
    CHECK(exact.matches("https://example.com/books/1"));
    CHECK_FALSE(exact.matches("https://example.com/books/2"));
    CHECK_FALSE(exact.matches("https://example.com/books/1/"));

    TopicSelector tpl("https://example.com/books/{id}", &cache);
    CHECK(tpl.is_template());
    CHECK(tpl.matches("https://example.com/books/2"));
    // The selector's own text matches too (exact comparison comes first).
    CHECK(tpl.matches("https://example.com/books/{id}"));
    CHECK_FALSE(tpl.matches("https://example.com/authors/2"));

    // '{' but not a template: compared exactly, no error.
    TopicSelector broken("https://example.com/{oops", &cache);
    CHECK_FALSE(broken.is_template());
    CHECK(broken.matches("https://example.com/{oops"));
    CHECK_FALSE(broken.matches("https://example.com/x"));

    // Without a cache, the same answers.
    TopicSelector uncached("https://example.com/books/{id}", nullptr);
    CHECK(uncached.matches("https://example.com/books/3"));
}

TEST_CASE("topic selector: sets match any topic (subscribe) or all topics (publish)") {
    TemplateCache cache;
    SelectorSet set({"https://example.com/books/{id}", "https://example.com/authors/1"}, &cache);
    CHECK(set.matches_any({"https://example.com/authors/1"}));
    CHECK(set.matches_any({"https://example.com/other", "https://example.com/books/9"}));
    CHECK_FALSE(set.matches_any({"https://example.com/other", "https://example.com/authors/2"}));
    CHECK_FALSE(set.matches_any({}));
    CHECK(set.matches_all({"https://example.com/books/1", "https://example.com/authors/1"}));
    CHECK_FALSE(set.matches_all({"https://example.com/books/1", "https://example.com/authors/2"}));
    CHECK_FALSE(set.matches_all({}));

    SelectorSet empty;
    CHECK(empty.empty());
    CHECK_FALSE(empty.matches_any({"https://example.com/books/1"}));
    CHECK_FALSE(empty.matches_all({"https://example.com/books/1"}));

    SelectorSet star({"https://example.com/x", "*"}, &cache);
    CHECK(star.matches_any({"urn:anything"}));
    CHECK(star.matches_all({"urn:a", "urn:b"}));
}

TEST_CASE("topic selector: private updates reach only subscribers whose JWT selectors match") {
    TemplateCache cache;
    const std::vector<std::string> book1 = {"https://example.com/books/1"};
    const std::vector<std::string> book1_and_user = {"https://example.com/books/1", "https://example.com/users/alice"};

    SubscriberSelectors anonymous{SelectorSet({"https://example.com/books/{id}"}, &cache), SelectorSet()};
    CHECK(anonymous.may_receive(book1, false));
    CHECK_FALSE(anonymous.may_receive(book1, true));

    SubscriberSelectors alice{SelectorSet({"https://example.com/books/{id}"}, &cache),
                              SelectorSet({"https://example.com/users/alice"}, &cache)};
    CHECK(alice.may_receive(book1, false));
    // Authorized for the update through another of its topics than the one subscribed to.
    CHECK(alice.may_receive(book1_and_user, true));
    CHECK_FALSE(alice.may_receive(book1, true));

    SubscriberSelectors admin{SelectorSet({"*"}, &cache), SelectorSet({"*"}, &cache)};
    CHECK(admin.may_receive(book1, true));
    // Authorized for everything but subscribed to nothing that matches: nothing.
    SubscriberSelectors narrow{SelectorSet({"https://example.com/authors/{id}"}, &cache), SelectorSet({"*"}, &cache)};
    CHECK_FALSE(narrow.may_receive(book1, true));
    CHECK_FALSE(narrow.may_receive(book1, false));
}

TEST_CASE("topic selector: the template cache shares compiled templates and stays bounded") {
    TemplateCache cache(3);
    TopicSelector a("https://example.com/a/{x}", &cache);
    TopicSelector a2("https://example.com/a/{x}", &cache);
    CHECK(cache.size() == 1);
    CHECK(cache.get("https://example.com/a/{x}") == cache.get("https://example.com/a/{x}"));
    CHECK(cache.get("{bad") == nullptr);  // remembered as "does not compile"
    cache.get("https://example.com/b/{x}");
    cache.get("https://example.com/c/{x}");
    CHECK(cache.size() == 3);
    // The evicted template still serves the selectors that hold it.
    CHECK(a.matches("https://example.com/a/1"));
    CHECK(a2.matches("https://example.com/a/2"));

    // Many threads building and matching selectors through one cache.
    TemplateCache shared(16);
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                SelectorSet s({"https://example.com/t" + std::to_string(i % 40) + "/{id}"}, &shared);
                ok[t] += s.matches_any({"https://example.com/t" + std::to_string(i % 40) + "/" + std::to_string(i)});
            }
        });
    for (auto& th : threads) th.join();
    for (int n : ok) CHECK(n == 500);
    CHECK(shared.size() <= 16);
}
