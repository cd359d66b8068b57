// bench/alloc_count.cpp — libpogo_alloc_count.so, an LD_PRELOAD shim that counts heap allocations
// per thread, for bench/run's `alloc` section (bench/alloc_bench.py).
//
//   LD_PRELOAD=build-bench/bench/libpogo_alloc_count.so POGO_ALLOC_COUNT=/tmp/counts pogo run ...
//   touch /tmp/counts.req        # within ~20 ms the shim writes /tmp/counts and removes the .req
//
// Counted: malloc, calloc, realloc (one each per call, also realloc(NULL, n)), posix_memalign,
// aligned_alloc, memalign, valloc (as "aligned"), and every operator new (as "new": this shim
// defines them, so libstdc++'s, which would call malloc, never runs and no call is counted twice).
// free and delete are not counted. PHP's emalloc is its own allocator (zend_mm, chunks from mmap):
// it shows here only when PHP falls back to the system heap (persistent allocations, libraries).
//
// How: glibc's __libc_malloc & co. do the work (no dlsym, which itself allocates); each thread
// counts into its own slot (claimed once, on the thread's first allocation) with relaxed atomic
// adds that no other thread writes, so counting costs a few nanoseconds and takes no lock. The
// dump reads every slot: "tid comm malloc calloc realloc aligned new", one line per thread that
// ever allocated (comm "-" once the thread has exited), written to a temporary file then renamed,
// so a reader never sees half a dump.
//
// Threads: the allocation functions run on any thread; the dump on the shim's own thread, started
// by the library constructor when POGO_ALLOC_COUNT is set (it polls for the trigger file every
// 20 ms; its own allocations land in its own slot, named "alloc-count").
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {

enum Kind { kMalloc, kCalloc, kRealloc, kAligned, kNew, kKinds };

struct Slot {
  std::atomic<long> tid{0};
  std::atomic<unsigned long> count[kKinds];
};

constexpr int kSlots = 4096;  // threads over the process's life; more are counted in the last slot
Slot g_slots[kSlots];
std::atomic<int> g_used{0};
__thread Slot* t_slot __attribute__((tls_model("initial-exec"))) = nullptr;

inline void count(Kind k) {
  Slot* s = t_slot;
  if (!s) {
    int i = g_used.fetch_add(1, std::memory_order_relaxed);
    s = &g_slots[i < kSlots ? i : kSlots - 1];
    s->tid.store(static_cast<long>(::syscall(SYS_gettid)), std::memory_order_relaxed);
    t_slot = s;
  }
  s->count[k].fetch_add(1, std::memory_order_relaxed);
}

void* aligned(size_t align, size_t size) {
  count(kAligned);
  return __libc_memalign(align, size);
}

// Writes one line per slot into `path` (through path + ".tmp" and a rename). Uses only the stack
// and write(2), so the dump itself allocates nothing.
void dump(const char* path) {
  char tmp[4096];
  std::snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  int used = g_used.load(std::memory_order_relaxed);
  if (used > kSlots) used = kSlots;
  for (int i = 0; i < used; ++i) {
    const Slot& s = g_slots[i];
    long tid = s.tid.load(std::memory_order_relaxed);
    char comm[64] = "-";
    char file[64];
    std::snprintf(file, sizeof file, "/proc/self/task/%ld/comm", tid);
    int cfd = ::open(file, O_RDONLY | O_CLOEXEC);
    if (cfd >= 0) {
      ssize_t n = ::read(cfd, comm, sizeof comm - 1);
      ::close(cfd);
      comm[n > 0 ? n : 0] = '\0';
      for (char* c = comm; *c; ++c)
        if (*c == '\n' || *c == ' ') *c = *c == ' ' ? '_' : '\0';
      if (!comm[0]) std::strcpy(comm, "-");
    }
    char line[256];
    int len = std::snprintf(line, sizeof line, "%ld %s %lu %lu %lu %lu %lu\n", tid, comm,
                            s.count[kMalloc].load(std::memory_order_relaxed),
                            s.count[kCalloc].load(std::memory_order_relaxed),
                            s.count[kRealloc].load(std::memory_order_relaxed),
                            s.count[kAligned].load(std::memory_order_relaxed),
                            s.count[kNew].load(std::memory_order_relaxed));
    if (::write(fd, line, static_cast<size_t>(len)) != len) break;
  }
  ::close(fd);
  ::rename(tmp, path);
}

char g_path[4000];

void* watch(void*) {
  pthread_setname_np(pthread_self(), "alloc-count");
  char trigger[4096];
  std::snprintf(trigger, sizeof trigger, "%s.req", g_path);
  for (;;) {
    struct stat st;
    if (::stat(trigger, &st) == 0) {
      dump(g_path);
      ::unlink(trigger);
    }
    ::usleep(20000);
  }
  return nullptr;
}

__attribute__((constructor)) void start() {
  const char* path = std::getenv("POGO_ALLOC_COUNT");
  if (!path || !*path || std::strlen(path) >= sizeof g_path) return;
  std::strcpy(g_path, path);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_create(&t, &attr, watch, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace

extern "C" {

void* malloc(size_t n) {
  count(kMalloc);
  return __libc_malloc(n);
}

void* calloc(size_t n, size_t size) {
  count(kCalloc);
  return __libc_calloc(n, size);
}

void* realloc(void* p, size_t n) {
  count(kRealloc);
  return __libc_realloc(p, n);
}

void free(void* p) { __libc_free(p); }

int posix_memalign(void** out, size_t align, size_t size) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  void* p = aligned(align, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

void* aligned_alloc(size_t align, size_t size) { return aligned(align, size); }
void* memalign(size_t align, size_t size) { return aligned(align, size); }
void* valloc(size_t size) { return aligned(static_cast<size_t>(::sysconf(_SC_PAGESIZE)), size); }

}  // extern "C"

// operator new: counted as "new", never through the malloc above (so not twice).
namespace {
void* new_impl(size_t n) {
  count(kNew);
  for (;;) {
    if (void* p = __libc_malloc(n ? n : 1)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}
void* new_aligned(size_t n, std::align_val_t a) {
  count(kNew);
  for (;;) {
    if (void* p = __libc_memalign(static_cast<size_t>(a), n ? n : 1)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}
}  // namespace

void* operator new(size_t n) { return new_impl(n); }
void* operator new[](size_t n) { return new_impl(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return new_impl(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return new_impl(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(size_t n, std::align_val_t a) { return new_aligned(n, a); }
void* operator new[](size_t n, std::align_val_t a) { return new_aligned(n, a); }
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return new_aligned(n, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return new_aligned(n, a);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { __libc_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { __libc_free(p); }
