// The worker side of a job, in PHP terms: the payload handed to the worker's callback and the
// envelope it returns.
//
// Payload: ['class' => 'App\Job', 'args' => [...]] (args as json_decode(..., true) would give them).
// Envelope: ['ok' => true, 'result' => mixed] or ['ok' => false, 'error' => 'message'], or a JSON
// string of the same. Outcomes:
//   ok => true             the result (missing 'result' = null), converted strictly (value_php.h)
//   ok => false            JobException with 'error' verbatim if it is a non-empty string, else
//                          `Pogo worker returned an error`
//   anything else          JobException `Invalid Pogo envelope: ...`:
//     `Invalid Pogo envelope: expected an array with "ok", got int` (the type name as PHP prints it)
//     `Invalid Pogo envelope: the worker returned a string that is not valid JSON`
//     `Invalid Pogo envelope: "ok" must be true or false`
//     `Invalid Pogo envelope: result.items[3]: INF is not JSON-compatible` (any conversion error)
//
// Threads: the pool's PHP worker thread.
#pragma once

#include <string>

#include "pogo/job.h"
#include "pogo/value_php.h"

namespace pogo::jobs {

// Fills `payload` (a new array) for the job. false: a bailout happened (payload is null).
bool build_payload(const Job& job, _zval_struct* payload);

struct EnvelopeOutcome {
  Convert status = Convert::Ok;  // Exception: jsonSerialize() threw while converting the result
  Value result;                  // when ok
  std::string error;             // when !ok (message of the JobException)
  bool ok = false;
};

// Reads the callback's return value. A Bailout status means the caller must zend_bailout().
EnvelopeOutcome read_envelope(_zval_struct* envelope);

inline constexpr const char* kWorkerError = "Pogo worker returned an error";
inline constexpr const char* kInvalidEnvelope = "Invalid Pogo envelope: ";

}  // namespace pogo::jobs
