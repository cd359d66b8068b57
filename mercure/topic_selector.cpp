#include "mercure/topic_selector.h"

namespace pogo::mercure {

std::shared_ptr<const UriTemplate> TemplateCache::get(std::string_view text) {
  std::lock_guard lock(mu_);
  if (auto it = map_.find(std::string(text)); it != map_.end()) return it->second;
  std::string error;
  std::shared_ptr<const UriTemplate> compiled;
  if (auto t = UriTemplate::compile(text, &error)) compiled = std::make_shared<const UriTemplate>(std::move(*t));
  if (map_.size() >= capacity_) {
    map_.erase(order_.front());
    order_.pop_front();
  }
  map_.emplace(std::string(text), compiled);
  order_.emplace_back(text);
  return compiled;
}

size_t TemplateCache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

TopicSelector::TopicSelector(std::string_view selector, TemplateCache* cache) : text_(selector) {
  wildcard_ = selector == "*";
  if (wildcard_ || selector.find('{') == std::string_view::npos) return;
  if (cache) {
    template_ = cache->get(selector);
  } else {
    std::string error;
    if (auto t = UriTemplate::compile(selector, &error)) template_ = std::make_shared<const UriTemplate>(std::move(*t));
  }
}

bool TopicSelector::matches(std::string_view topic) const {
  return wildcard_ || topic == text_ || (template_ && template_->matches(topic));
}

SelectorSet::SelectorSet(const std::vector<std::string>& selectors, TemplateCache* cache) {
  selectors_.reserve(selectors.size());
  for (const auto& s : selectors) {
    selectors_.emplace_back(s, cache);
    wildcard_ = wildcard_ || selectors_.back().is_wildcard();
  }
}

bool SelectorSet::matches(std::string_view topic) const {
  if (wildcard_) return true;
  for (const auto& s : selectors_)
    if (s.matches(topic)) return true;
  return false;
}

bool SelectorSet::matches_any(const std::vector<std::string>& topics) const {
  if (selectors_.empty()) return false;
  for (const auto& t : topics)
    if (matches(t)) return true;
  return false;
}

bool SelectorSet::matches_all(const std::vector<std::string>& topics) const {
  if (topics.empty() || selectors_.empty()) return false;
  for (const auto& t : topics)
    if (!matches(t)) return false;
  return true;
}

}  // namespace pogo::mercure
