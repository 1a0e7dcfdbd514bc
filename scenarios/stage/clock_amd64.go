package stage

// readTSC returns the CPU's time-stamp counter (RDTSC; clock_amd64.s).
func readTSC() uint64

// cpuid runs the CPUID instruction for leaf (clock_amd64.s).
func cpuid(leaf uint32) (eax, ebx, ecx, edx uint32)

// invariantTSC reports whether the time-stamp counter ticks at a constant rate in every
// power state (CPUID leaf 0x8000_0007, EDX bit 8, on Intel and AMD alike), which is what
// makes it a clock.
func invariantTSC() bool {
	if maxExt, _, _, _ := cpuid(0x8000_0000); maxExt < 0x8000_0007 {
		return false
	}
	_, _, _, edx := cpuid(0x8000_0007)
	return edx&(1<<8) != 0
}
