// Topic selectors: how subscribers say which topics they want and how JWTs say which topics their
// bearer may publish to or receive privately. A selector is `*` (every topic), or an IRI compared
// exactly, or, when it contains '{' and parses as an RFC 6570 URI Template, also that template
// (see uri_template.h). A selector with '{' that does not parse is only compared exactly, as the
// reference hub does, so a bad selector from a client is never an error, it just matches less.
//
// Compiled templates are shared through a TemplateCache: ten thousand subscribers asking for
// `https://example.com/books/{id}` hold one compiled template between them.
//
// Threads: TopicSelector and SelectorSet are immutable once built; any thread may match with them
// concurrently. TemplateCache is internally locked; any thread may call it.
#pragma once

#include "mercure/uri_template.h"

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pogo::mercure {

// A bounded map from template text to its compiled form (or to "does not compile"). When full,
// the oldest entry goes; selectors already built keep their templates alive.
class TemplateCache {
 public:
  explicit TemplateCache(size_t capacity = 10000) : capacity_(capacity == 0 ? 1 : capacity) {}
  // The compiled template, or nullptr when `text` is not a valid template.
  std::shared_ptr<const UriTemplate> get(std::string_view text);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const UriTemplate>> map_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

class TopicSelector {
 public:
  // `cache` may be null: the template is then compiled for this selector alone.
  TopicSelector(std::string_view selector, TemplateCache* cache);

  bool matches(std::string_view topic) const;
  const std::string& text() const { return text_; }
  bool is_wildcard() const { return wildcard_; }
  bool is_template() const { return template_ != nullptr; }

 private:
  std::string text_;
  bool wildcard_ = false;
  std::shared_ptr<const UriTemplate> template_;
};

// A list of selectors, matched as one.
class SelectorSet {
 public:
  SelectorSet() = default;
  SelectorSet(const std::vector<std::string>& selectors, TemplateCache* cache);

  // Some topic matches some selector: what a subscription needs to receive an update.
  bool matches_any(const std::vector<std::string>& topics) const;
  // Every topic matches some selector: what a publisher needs to publish an update.
  bool matches_all(const std::vector<std::string>& topics) const;
  bool matches(std::string_view topic) const;
  bool empty() const { return selectors_.empty(); }
  const std::vector<TopicSelector>& selectors() const { return selectors_; }

 private:
  std::vector<TopicSelector> selectors_;
  bool wildcard_ = false;  // `*` is among them: everything matches
};

// What one subscriber asked for (the `topic` query parameters) and what its JWT lets it read
// privately (`mercure.subscribe`). It receives an update when one of the update's topics matches
// what it asked for and, for a private update, one of the topics (not necessarily the same one)
// matches what it is authorized for: the reference hub's rule.
struct SubscriberSelectors {
  SelectorSet requested;
  SelectorSet authorized;

  bool may_receive(const std::vector<std::string>& topics, bool is_private) const {
    return requested.matches_any(topics) && (!is_private || authorized.matches_any(topics));
  }
};

}  // namespace pogo::mercure
