// Package stage is what scenarios run on: traced goroutines (G), channels (Chan), mutexes
// (Mutex) and atomics (AtomicInt) that behave as their Go counterparts and record every
// operation as an Event.
//
// A scenario is ordinary Go written against these types; the G passed to each operation is the
// goroutine doing it. Start runs a scenario and exposes its events while it runs; Record runs
// it to the end.
//
// # Rooms
//
// A run (run.go) has a scheduler, chosen when it starts: live (live.go), the Go runtime's, or
// seeded (seeded.go), one goroutine at a time with a Strategy (strategy.go) choosing who goes
// next at every scheduling point — RandomStrategy from the seed, RoundRobin, or Replay of a
// Schedule (schedule.go), the list of choices every seeded run records. Every operation
// enters the run the same way (record.go: scheduling point, recorder lock, record, unwind on
// a halt). Each primitive is its exported API, its live form and its model under the seeded
// scheduler — chan.go, chan_live.go, chan_model.go; mutex.go; waitgroup.go — picked once,
// when the object is made; atomics (atomic.go) and Rust's cells (cell.go) are the same in
// both, and so are RWMutex, Cond and Once (rwmutex.go, cond.go, once.go) and
// golang.org/x/sync's weighted semaphore (semaphore.go) and errgroup (errgroup.go), whose
// state is kept under the recorder lock and whose waiters park until they are handed on
// (park.go). Goroutine operations are in goroutine.go, the deadlock report in deadlock.go, the
// scenario line of an event in lines.go, the trace's storage in store.go and its wire form
// in event.go.
//
// # Recording order is true order
//
// Under the live scheduler the operations happen on real goroutines and real channels, so
// the moment an operation takes effect cannot be recorded atomically with it. The stage
// records so that the trace never lies: a -begin event before the real operation starts, an
// -end event after it returns, an unlock before the real release. Atomics and channel closes
// cannot block, so they happen under the recorder's lock and their events sit exactly where
// they took effect. So does a send, a receive or a Lock that completes without blocking: it
// is tried under the lock that records its begin, and when it completes there its end is
// recorded in the same critical section, at the same instant. A send or receive that blocked
// on an unbuffered channel completes when its partner takes or hands over the value, and the
// partner, under the lock then, records its end there (after its own begin, before its own
// end); a select of receives that must wait does so on the stage, and the sender that comes
// first hands it its value and records its end. Times never run backwards along seq (the
// live clock is clock.go's). Consequences a reader of a live trace can rely on:
//   - a recv-end comes after the send-begin of its message;
//   - the recorded holding spans of a mutex (lock-end to unlock) never overlap;
//   - atomic events chain: each one's old is the previous one's new;
//   - if one send ended before another began, their values are received in that order
//     (Go's FIFO guarantee); sends that overlap in time may be received either way, as in Go.
//
// # Cancellation
//
// A run halts when its context is cancelled, on Stop, at a limit, on a panic or a deadlock, or
// when main returns. The halt wakes every goroutine blocked in a stage operation, and each then
// unwinds (a private panic value recovered by the stage) until the run's goroutines have all
// ended. Under the live scheduler most blocking operations wait on one channel only, not in a
// select with the run's context, which would make each of them markedly slower; the halt wakes
// them through that channel instead: it closes the channels that receivers, lockers and
// waiters block on (a select waiting on the stage among them), and it takes what senders on
// an unbuffered channel send (closing a channel under a sender is a data race). Senders on a full buffered channel, whose contents must
// survive the stop, and Sleep and Work do select on the context. A live Mutex is not a
// sync.Mutex for the same reason — Lock on a sync.Mutex cannot be abandoned — but a state
// kept under the recorder's lock and a channel its waiters are handed the lock through. Under the seeded scheduler every goroutine that is not running waits for its turn
// in a select with the run's context, so the halt wakes them all through it.
//
// # Spans
//
// Work and Sleep are recorded as begin/end pairs (work-begin/work-end, sleep-begin/sleep-end)
// rather than one event with a duration, so the span drawn is the time it really took, and a
// span cut short by a stop is visibly open.
package stage
