package stage

import "unsafe"

// getfp returns the frame pointer of the Go function calling it (callerpc_amd64.s).
func getfp() unsafe.Pointer

// callerPC returns the return address into the scenario code that called the stage operation
// calling callerPC: the address whose source line the event shows. Every function that calls
// it is marked //go:noinline, so that its caller really is the scenario (an operation inlined
// into scenario code would report the scenario's own caller); the scenario tests check every
// event's line against the source.
//
// It walks two frame pointers instead of asking runtime.Callers, which unwinds with
// the symbol tables and costs more than recording the event itself. On amd64 every Go
// function that makes a call saves the frame pointer of its caller, and its return address
// sits one word above that slot.
//
//go:noinline
func callerPC() uintptr {
	fp := getfp()                           // callerPC's frame
	opFP := *(*unsafe.Pointer)(fp)          // the stage operation's frame
	return *(*uintptr)(unsafe.Add(opFP, 8)) // where the operation returns to
}
