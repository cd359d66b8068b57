#include "sapi/thread_env.h"

#include <optional>
#include <vector>

namespace pogo::sapi::thread_env {

namespace {

struct Entry {
  std::string name;
  std::optional<std::string> value;
};

struct Layers {
  std::vector<Entry> script;
  std::vector<Entry> request;
  bool in_request = false;
};

thread_local Layers t_layers;

Entry* find_in(std::vector<Entry>& layer, std::string_view name) {
  for (auto& e : layer)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace

void put(std::string_view name, const char* value, size_t value_len) {
  auto& layer = t_layers.in_request ? t_layers.request : t_layers.script;
  Entry* e = find_in(layer, name);
  if (!e) e = &layer.emplace_back(Entry{std::string(name), std::nullopt});
  if (value) e->value.emplace(value, value_len);
  else e->value.reset();
}

int find(std::string_view name, std::string_view& value) {
  for (auto* layer : {&t_layers.request, &t_layers.script}) {
    if (Entry* e = find_in(*layer, name)) {
      if (!e->value) return 0;
      value = *e->value;
      return 1;
    }
  }
  return -1;
}

void for_each(const std::function<void(std::string_view, const std::string*)>& fn) {
  for (auto* layer : {&t_layers.script, &t_layers.request})
    for (const auto& e : *layer) fn(e.name, e.value ? &*e.value : nullptr);
}

void begin_request() { t_layers.in_request = true; }

void end_request() {
  t_layers.request.clear();
  t_layers.in_request = false;
}

void clear() {
  t_layers.script.clear();
  t_layers.request.clear();
  t_layers.in_request = false;
}

}  // namespace pogo::sapi::thread_env
