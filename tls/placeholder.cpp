// Removed once tls/ has real sources.
namespace pogo::tls {}
