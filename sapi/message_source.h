// A MessageSource feeds a worker thread messages instead of HTTP requests: a payload in, the
// handler's return value out. frankenphp_handle_request($handler) on a thread started with one
// (start_message_workers) calls next() for the payload, passes it to $handler, and hands the result
// to reply() — or the exception's message to fail(). Pogo's job pools implement it (PhpJobSource);
// sapi/ only knows this interface.
//
// Threads: one source per worker thread, called only on that thread, inside its running script
// (PHP values are that thread's). next()/reply() may bail out (zend_bailout) after leaving the
// source consistent: no C++ object of the caller may be alive across them.
#pragma once

#include <string_view>

struct _zval_struct;

namespace pogo::sapi {

class MessageSource {
 public:
  virtual ~MessageSource() = default;
  // Blocks for the next message and writes its payload (a new value the caller owns).
  // false: no more messages, the worker must stop.
  virtual bool next(_zval_struct* payload) = 0;
  // The handler returned `result` (the caller still owns it).
  virtual void reply(_zval_struct* result) = 0;
  // The handler threw: the message fails with `message`.
  virtual void fail(std::string_view message) = 0;
  // The script ended (exit(), fatal error) between next() and reply()/fail(): fail the open
  // message, if any. Called on the worker thread after the script's request shutdown.
  virtual void abandon() = 0;
};

}  // namespace pogo::sapi
