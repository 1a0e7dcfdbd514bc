//go:build !amd64

package stage

import (
	"runtime"
	"unsafe"
)

// callerPC asks runtime.Callers for the operation's return address.
func callerPC() (pc uintptr) {
	// 0 Callers, 1 callerPC, 2 the stage operation, 3 its caller.
	runtime.Callers(3, unsafe.Slice(&pc, 1))
	return pc
}
