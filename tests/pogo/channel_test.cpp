// The job channel without PHP: JobQueue, Job state machine, HandleTable / await, Pool, Runtime.
// Workers are plain C++ threads (cpp_workers). No timed assertions: waits poll with a deadline.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "pogo/cpp_workers.h"
#include "pogo/handle_table.h"
#include "pogo/runtime.h"

using namespace pogo::jobs;
using namespace std::chrono_literals;

namespace {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

// A gate the test opens; workers block on it (to keep a pool busy on purpose).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> waiting{0};
  void pass() {
    std::unique_lock lock(mu);
    waiting++;
    cv.wait(lock, [&] { return open; });
    waiting--;
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

Value args_of(int n) { return Value::from_json("{\"n\":" + std::to_string(n) + "}"); }

PoolConfig config(std::string name, unsigned threads, std::chrono::milliseconds max_wait = 30s) {
  return PoolConfig{std::move(name), "/dev/null", threads, max_wait};
}

const Value& await(HandleTable& table, uint64_t handle, double timeout = 5.0) {
  static thread_local std::shared_ptr<Job> keep;
  keep = table.take(handle);
  if (!keep) throw Error(ErrorKind::Handle, unknown_handle_message(static_cast<int64_t>(handle)));
  auto deadline = await_deadline(timeout, Clock::now());
  if (!wait_for(*keep, deadline, SpinPolicy{})) {
    abandon(*keep);
    throw Error(ErrorKind::Timeout, timeout_message(timeout));
  }
  return result_of(*keep);
}

}  // namespace

TEST_CASE("handles are positive and unique across threads") {
  std::vector<std::vector<uint64_t>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) ids[t].push_back(next_job_id());
    });
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (auto& v : ids)
    for (auto id : v) {
      CHECK(id > 0);
      all.insert(id);
    }
  CHECK(all.size() == 40000);
}

TEST_CASE("a single worker runs jobs in dispatch order") {
  std::mutex mu;
  std::vector<int64_t> order;
  Pool pool(config("default", 1), cpp_workers([&](const Job& job) {
              std::lock_guard lock(mu);
              order.push_back(job.args.view().find("n").as_int());
              return Value();
            }));
  HandleTable table;
  std::vector<uint64_t> handles;
  for (int i = 0; i < 100; ++i) {
    auto job = pool.dispatch("Job", args_of(i));
    handles.push_back(job->id);
    table.add(job);
  }
  for (auto h : handles) await(table, h);
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(order[i] == i);
}

TEST_CASE("result and error reach the awaiter") {
  Pool pool(config("default", 2), cpp_workers([](const Job& job) -> Value {
              if (job.class_name == "Fail") throw std::runtime_error("boom");
              return Value::from_json(R"({"echo":)" + job.args.to_json() + "}");
            }));
  HandleTable table;
  auto ok = pool.dispatch("Echo", Value::from_json(R"([1,"two",3.5])"));
  auto bad = pool.dispatch("Fail", Value());
  table.add(ok);
  table.add(bad);
  CHECK(await(table, ok->id).to_json() == R"({"echo":[1,"two",3.5]})");
  try {
    await(table, bad->id);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Job);
    CHECK(std::string(e.what()) == "boom");
  }
}

TEST_CASE("await removes the handle: a second await and a foreign handle are unknown") {
  Pool pool(config("default", 1), cpp_workers([](const Job&) { return Value(); }));
  HandleTable mine, theirs;
  auto job = pool.dispatch("Job", Value());
  mine.add(job);
  CHECK_THROWS_WITH_AS(await(theirs, job->id), ("unknown or already awaited Pogo handle " + std::to_string(job->id)).c_str(), Error);
  CHECK(mine.contains(job->id));  // the foreign attempt did not consume it
  await(mine, job->id);
  CHECK_THROWS_WITH_AS(await(mine, job->id), ("unknown or already awaited Pogo handle " + std::to_string(job->id)).c_str(), Error);
}

TEST_CASE("a negative timeout throws and leaves the handle awaitable") {
  Pool pool(config("default", 1), cpp_workers([](const Job&) { return Value::from_json("7"); }));
  HandleTable table;
  auto job = pool.dispatch("Job", Value());
  table.add(job);
  CHECK_THROWS_WITH_AS(await_deadline(-1, Clock::now()), "Pogo await timeout must be >= 0, got -1s", Error);
  CHECK_THROWS_AS(await_deadline(std::nan(""), Clock::now()), Error);
  CHECK(table.contains(job->id));
  CHECK(await(table, job->id).view().as_int() == 7);
}

TEST_CASE("timeout 0 is deterministic: a finished job is returned, an unfinished one times out") {
  Gate gate;
  Pool pool(config("default", 1), cpp_workers([&](const Job& job) {
              if (job.class_name == "Block") gate.pass();
              return Value::from_json("1");
            }));
  HandleTable table;
  auto done = pool.dispatch("Quick", Value());
  REQUIRE(eventually([&] { return done->completed(); }));
  table.add(done);
  CHECK(await(table, done->id, 0).view().as_int() == 1);

  auto blocked = pool.dispatch("Block", Value());
  REQUIRE(eventually([&] { return gate.waiting == 1; }));
  table.add(blocked);
  CHECK_THROWS_WITH_AS(await(table, blocked->id, 0), "Pogo await timed out after 0s", Error);
  CHECK_FALSE(table.contains(blocked->id));  // removed whatever the outcome
  gate.release();
}

TEST_CASE("a job that waits longer than max_wait never runs and fails with the max_wait error") {
  Gate gate;
  std::atomic<int> ran_late{0};
  Pool pool(config("slow", 1, 50ms), cpp_workers([&](const Job& job) {
              if (job.class_name == "Block") gate.pass();
              else ran_late++;
              return Value();
            }));
  HandleTable table;
  auto blocker = pool.dispatch("Block", Value());
  REQUIRE(eventually([&] { return gate.waiting == 1; }));
  auto late = pool.dispatch("Late", Value());
  auto late2 = pool.dispatch("Late", Value());
  table.add(late);
  // The awaiter expires it at its deadline even though no worker came by.
  CHECK_THROWS_WITH_AS(await(table, late->id, 10.0),
                       "Pogo job waited longer than max_wait (50ms) for a free worker in pool \"slow\"", Error);
  CHECK(late->state() == JobState::Expired);
  // Unawaited and past its deadline: the worker skips it as Expired once free.
  REQUIRE(eventually([&] { return Clock::now() >= late2->deadline; }));
  gate.release();
  REQUIRE(eventually([&] { return late2->completed(); }));
  CHECK(late2->state() == JobState::Expired);
  CHECK(ran_late == 0);
  (void)blocker;
}

TEST_CASE("request end cancels: queued jobs never run, running ones are discarded") {
  Gate gate;
  std::atomic<int> runs{0};
  Pool pool(config("default", 1), cpp_workers([&](const Job& job) {
              runs++;
              if (job.class_name == "Block") gate.pass();
              return Value();
            }));
  HandleTable table;
  auto running = pool.dispatch("Block", Value());
  table.add(running);
  REQUIRE(eventually([&] { return gate.waiting == 1; }));
  for (int i = 0; i < 5; ++i) table.add(pool.dispatch("Queued", Value()));
  CHECK(pool.queue().size() == 5);
  table.cancel_all();
  CHECK(table.size() == 0);
  CHECK(pool.queue().size() == 0);  // removed at once
  gate.release();
  REQUIRE(eventually([&] { return running->completed(); }));
  // Another job still runs fine afterwards, and none of the cancelled ones ever ran.
  auto after = pool.dispatch("After", Value());
  table.add(after);
  await(table, after->id);
  CHECK(runs == 2);
}

TEST_CASE("shutdown fails pending jobs and refuses new ones, never hangs") {
  Gate gate;
  auto pool = std::make_unique<Pool>(config("cpu", 1), cpp_workers([&](const Job& job) {
                                       if (job.class_name == "Block") gate.pass();
                                       return Value::from_json("\"ran\"");
                                     }));
  HandleTable table;
  auto running = pool->dispatch("Block", Value());
  REQUIRE(eventually([&] { return gate.waiting == 1; }));
  auto pending = pool->dispatch("Pending", Value());
  table.add(running);
  table.add(pending);
  std::thread stopper([&] { pool->shutdown(); });
  CHECK_THROWS_WITH_AS(await(table, pending->id), "Pogo pool \"cpu\" is shutting down", Error);
  CHECK_THROWS_WITH_AS(pool->dispatch("Late", Value()), "Pogo pool \"cpu\" is shutting down", Error);
  gate.release();  // the running job finishes normally
  CHECK(await(table, running->id).view().as_string() == "ran");
  stopper.join();
  CHECK(pool->size() == 0);
}

TEST_CASE("shutdown with idle workers returns") {
  Runtime rt({config("default", 3), config("other", 2)}, cpp_workers([](const Job&) { return Value(); }));
  REQUIRE(eventually([&] { return rt.find("default")->size() == 3 && rt.find("other")->size() == 2; }));
  CHECK(rt.find("missing") == nullptr);
  rt.shutdown();
  CHECK(rt.find("default")->size() == 0);
}

TEST_CASE("runtime rejects bad pool lists") {
  auto launcher = cpp_workers([](const Job&) { return Value(); });
  CHECK_THROWS_AS(Runtime({config("a", 1), config("a", 1)}, launcher), std::invalid_argument);
  CHECK_THROWS_AS(Runtime({config("a", 0)}, launcher), std::invalid_argument);
}

TEST_CASE("many dispatching threads, many workers: no job lost or duplicated") {
  constexpr int kThreads = 4, kJobs = 2000;
  std::mutex mu;
  std::multiset<int64_t> seen;
  Pool pool(config("default", 3), cpp_workers([&](const Job& job) {
              int64_t n = job.args.view().find("n").as_int();
              {
                std::lock_guard lock(mu);
                seen.insert(n);
              }
              return Value::from_json(std::to_string(n * 2));
            }));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      HandleTable table;
      std::vector<std::pair<uint64_t, int>> handles;
      for (int i = 0; i < kJobs; ++i) {
        int n = t * kJobs + i;
        auto job = pool.dispatch("Job", args_of(n));
        table.add(job);
        handles.emplace_back(job->id, n);
        // Await in batches so the queue both fills up and drains.
        if (handles.size() == 16 || i == kJobs - 1) {
          for (auto [h, v] : handles)
            if (await(table, h, 30).view().as_int() != v * 2) wrong++;
          handles.clear();
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(seen.size() == kThreads * kJobs);
  std::set<int64_t> unique(seen.begin(), seen.end());
  CHECK(unique.size() == kThreads * kJobs);
}

TEST_CASE("a burst of dispatches fans out to every idle worker") {
  Gate gate;
  Pool pool(config("default", 4), cpp_workers([&](const Job&) {
              gate.pass();
              return Value();
            }));
  REQUIRE(eventually([&] { return pool.size() == 4; }));
  std::vector<std::shared_ptr<Job>> jobs;
  for (int i = 0; i < 4; ++i) jobs.push_back(pool.dispatch("Job", Value()));
  CHECK(eventually([&] { return gate.waiting == 4; }));
  gate.release();
  for (auto& j : jobs) CHECK(eventually([&] { return j->completed(); }));
}

TEST_CASE("durations and seconds print like Caddy and PHP") {
  CHECK(format_duration(30s) == "30s");
  CHECK(format_duration(500ms) == "500ms");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(3600s) == "1h0m0s");
  CHECK(format_seconds(2.0) == "2s");
  CHECK(format_seconds(0.25) == "0.25s");
  CHECK(format_seconds(0) == "0s");
}

TEST_CASE("Value: JSON round trip and views") {
  Value v = Value::from_json(R"({"a":[1,2.5,"x",null,true,false],"b":{"c":-9223372036854775808}})");
  CHECK(v.to_json() == R"({"a":[1,2.5,"x",null,true,false],"b":{"c":-9223372036854775808}})");
  CHECK(v.view().find("a").count() == 6);
  CHECK(v.view().find("a").at(2).as_string() == "x");
  CHECK(v.view().find("b").find("c").as_int() == INT64_MIN);
  CHECK(v.view().find("zz").data() == nullptr);
  CHECK_THROWS_AS(Value::from_json("{"), std::invalid_argument);
}
