// A JobQueue is one pool's line of jobs waiting for a worker thread: FIFO, unbounded (dispatch
// never blocks), with the hand-off of sync::HandoffQueue (sync/handoff_queue.h). A worker with
// nothing to do registers itself as idle and waits on its own Event (one idle worker spins, the
// others park on a futex at once); push() hands the job's wake-up to exactly one idle worker, so a
// burst of N dispatches wakes N workers, and the worker still spinning takes a job in well under a
// microsecond without any syscall.
//
// Jobs whose max_wait deadline has passed are never handed out: take() completes them as
// Expired. Cancelled jobs are removed (remove()) or skipped. close() fails every queued job with
// `Pogo pool "NAME" is shutting down`, refuses later pushes and releases every waiting worker.
//
// Threads: push()/remove() from request threads; take() from the pool's worker threads (one
// take() at a time per thread); close() from the thread that stops the pool.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "pogo/job.h"
#include "sync/handoff_queue.h"

namespace pogo::jobs {

class JobQueue {
 public:
  explicit JobQueue(std::string pool_name, SpinPolicy spin = {});
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;
  ~JobQueue();  // close()

  const std::string& pool_name() const { return pool_name_; }

  // Enqueues a Queued job; false (job untouched) if the queue is closed.
  bool push(const std::shared_ptr<Job>& job);
  // Blocks until a job is handed over — already moved to Running — or the queue is closed
  // (nullptr). Completes as Expired every job found past its deadline.
  std::shared_ptr<Job> take();
  // Drops a job that left Queued (cancelled) so it does not hold memory until a worker passes.
  void remove(const Job& job);
  // Fails queued jobs with the shutdown error, refuses pushes, wakes every worker. Idempotent.
  void close();
  bool closed() const;
  size_t size() const;
  // The message of the shutdown error.
  std::string shutting_down_message() const;

 private:
  const std::string pool_name_;
  sync::HandoffQueue<std::shared_ptr<Job>> jobs_;
};

}  // namespace pogo::jobs
