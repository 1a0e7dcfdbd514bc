package stage

import (
	"path/filepath"
	"runtime"
	"strings"
)

// From a return address to the scenario line an event lights. The address itself comes from
// callerPC (callerpc_*.go) in each exported operation.

// lineLocked maps a return PC in scenario code to its source line, caching per run because
// symbolising costs far more than the event.
func (r *Run) lineLocked(pc uintptr) int {
	slot := &r.lineCache[(pc>>2)%uintptr(len(r.lineCache))]
	if slot.pc == pc {
		return slot.line
	}
	line, ok := r.lines[pc]
	if !ok {
		line, _ = r.scenarioLine(pc)
		r.lines[pc] = line
	}
	*slot = pcLine{pc, line}
	return line
}

// scenarioLine is the line of the innermost frame at pc that is not the stage's own code
// (the stage's inlined into the scenario, such as Range's closure, do not count), and
// whether there is one.
func (r *Run) scenarioLine(pc uintptr) (int, bool) {
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		if filepath.Dir(f.File) != r.stageDir || strings.HasSuffix(f.File, "_test.go") {
			return f.Line, true
		}
		if !more {
			return 0, false
		}
	}
}

// pcLine is an entry of the line cache in front of the lines map.
type pcLine struct {
	pc   uintptr
	line int
}

// scenarioPC finds the innermost return address of its caller's stack that is in scenario
// code. It unwinds with runtime.Callers: for the rare operation whose scenario frame is not
// at a fixed depth.
func (r *Run) scenarioPC() uintptr {
	var pcs [8]uintptr
	n := runtime.Callers(2, pcs[:])
	for _, pc := range pcs[:n] {
		if _, ok := r.scenarioLine(pc); ok {
			return pc
		}
	}
	return 0
}

// sourceDir is the directory of the stage's own source files.
func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}
