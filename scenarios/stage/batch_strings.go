package stage

import (
	"encoding/binary"
	"unsafe"
)

// stringTable gives each string of a run's batches its place, in the order first seen: the
// string table a BatchDecoder rebuilds. Looking a string up is on the encoder's path for
// nearly every event, and a Go map of strings costs more there than the rest of the event, so
// the commonest strings skip it: kinds and ops are the package's constants, found by where
// their bytes are, and short values (numbers, mostly) by their bytes packed in a word.
type stringTable struct {
	n      uint64
	byData [64]dataEntry // direct-mapped, by the address of a string's bytes
	short  wordTable     // strings of at most 7 bytes
	long   map[string]uint64
}

type dataEntry struct {
	data *byte
	len  int
	i    uint64
}

// index is s's place in the table, or false if it is not there yet.
func (t *stringTable) index(s string) (uint64, bool) {
	if s == "" { // its bytes are nowhere: the empty slots of byData would take it
		return t.short.get(shortKey(s))
	}
	d := unsafe.StringData(s)
	slot := &t.byData[uintptr(unsafe.Pointer(d))>>3&63]
	if slot.data == d && slot.len == len(s) {
		return slot.i, true
	}
	var i uint64
	var ok bool
	if len(s) <= 7 {
		i, ok = t.short.get(shortKey(s))
	} else {
		i, ok = t.long[s]
	}
	if ok {
		*slot = dataEntry{data: d, len: len(s), i: i}
	}
	return i, ok
}

// add gives s, which is not in the table, the next place.
func (t *stringTable) add(s string) {
	switch {
	case len(s) <= 7:
		t.short.put(shortKey(s), t.n)
	case t.long == nil:
		t.long = map[string]uint64{s: t.n}
	default:
		t.long[s] = t.n
	}
	t.n++
}

// shortKey packs a string of at most 7 bytes, and its length, into a word no other such
// string has.
func shortKey(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	b[7] = byte(len(s)) + 1 // never 0: the empty word marks a free slot
	return binary.LittleEndian.Uint64(b[:])
}

// wordTable maps nonzero words to places: open addressing, linear probing, at most half full.
type wordTable struct {
	keys  []uint64
	vals  []uint64
	count int
	shift uint
}

func (w *wordTable) slot(key uint64) int {
	return int((key * 0x9E3779B97F4A7C15) >> w.shift)
}

func (w *wordTable) get(key uint64) (uint64, bool) {
	if w.count == 0 {
		return 0, false
	}
	mask := len(w.keys) - 1
	for i := w.slot(key); ; i = (i + 1) & mask {
		switch w.keys[i] {
		case key:
			return w.vals[i], true
		case 0:
			return 0, false
		}
	}
}

func (w *wordTable) put(key, val uint64) {
	if 2*(w.count+1) > len(w.keys) {
		w.grow()
	}
	mask := len(w.keys) - 1
	i := w.slot(key)
	for w.keys[i] != 0 {
		i = (i + 1) & mask
	}
	w.keys[i], w.vals[i] = key, val
	w.count++
}

func (w *wordTable) grow() {
	keys, vals := w.keys, w.vals
	size := max(64, 2*len(keys))
	w.keys, w.vals, w.count = make([]uint64, size), make([]uint64, size), 0
	w.shift = uint(64 - bitsOf(size))
	for i, k := range keys {
		if k != 0 {
			w.put(k, vals[i])
		}
	}
}

// bitsOf is log2 of size, a power of two.
func bitsOf(size int) int {
	n := 0
	for size > 1 {
		size >>= 1
		n++
	}
	return n
}
