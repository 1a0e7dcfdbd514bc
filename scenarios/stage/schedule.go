package stage

import (
	"errors"
	"fmt"
	"strings"
)

// Schedule is the list of choices a seeded run took where it had one: at every scheduling
// point where more than one goroutine could run, the goroutine that ran, and at every select
// with more than one case ready, the case it took. With the run's seed
// (which also drives Jitter) it is the whole of what made the interleaving: Replay follows it
// and gives the same trace, byte for byte, and a link that carries it brings back an
// interleaving made by hand.
//
// # Text form
//
// A schedule travels in links, so its text form is short and needs no escaping. Each choice
// is coded as the chosen goroutine's position in a move-to-front list of goroutine ids — the
// list starts 1, 2, 3, … and every chosen id moves to its front — so that running the same
// goroutine again is position 0, and a goroutine that ran a moment ago is a small number.
// A select's choice is the index of the case among the ready ones, written the same way: a
// run replays its choices in the order it made them, and knows which kind each is.
// Position p is written as the Elias gamma code of p+1 (p+1 in binary, after as many zeros as
// it has digits less one: 1, 010, 011, 00100, …), the codes are packed into one bit string,
// and the bits, six at a time with the last group padded with zeros, are the characters of
// base64url (RFC 4648 §5: A–Z, a–z, 0–9, - and _). A choice between two goroutines takes
// one to three bits; the schedule of a seeded run of a thousand choices among a handful of
// goroutines takes a few hundred characters. The empty schedule is the empty string.
//
// A Schedule is a value: two are equal when their texts are.
type Schedule struct {
	text string // the text form, checked
	n    int    // choices
}

// maxChoice is the largest position a schedule's text may code: one below the most
// goroutines a run may have.
const maxChoice = MaxGoroutinesCap - 1

const scheduleDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// ParseSchedule reads a schedule's text form. It checks the text alone — its error says where
// the text goes wrong — and whether the schedule fits a run is found out by replaying it.
func ParseSchedule(text string) (Schedule, error) {
	choices, err := decodeChoices(text)
	if err != nil {
		return Schedule{}, err
	}
	return Schedule{text: text, n: len(choices)}, nil
}

// scheduleOf is the schedule of choices, the move-to-front positions the text codes.
func scheduleOf(choices []uint32) Schedule {
	var w bitWriter
	for _, c := range choices {
		v := c + 1
		n := 0
		for v>>(n+1) != 0 {
			n++
		}
		for range n {
			w.put(0)
		}
		for i := n; i >= 0; i-- {
			w.put(int(v>>i) & 1)
		}
	}
	return Schedule{text: w.text(), n: len(choices)}
}

// choices are the schedule's move-to-front positions.
func (s Schedule) choices() []uint32 {
	choices, _ := decodeChoices(s.text) // checked when the schedule was made
	return choices
}

// decodeChoices reads the positions a schedule's text codes.
func decodeChoices(text string) ([]uint32, error) {
	var bits bitReader
	for i := range len(text) {
		d := strings.IndexByte(scheduleDigits, text[i])
		if d < 0 {
			return nil, fmt.Errorf("character %d is %q, not a letter, digit, - or _", i+1, rune(text[i]))
		}
		bits.digits = append(bits.digits, byte(d))
	}
	var choices []uint32
	for {
		zeros := 0
		for bits.left() > 0 && bits.peek() == 0 {
			bits.next()
			zeros++
		}
		if bits.left() == 0 {
			if zeros >= 6 {
				return nil, errors.New("it ends in a whole character of padding")
			}
			return choices, nil // the padding of the last character
		}
		if zeros > 16 || bits.left() < zeros+1 {
			return nil, fmt.Errorf("choice %d is cut short or out of range", len(choices)+1)
		}
		v := 0
		for range zeros + 1 {
			v = v<<1 | bits.next()
		}
		if v-1 > maxChoice {
			return nil, fmt.Errorf("choice %d is out of range", len(choices)+1)
		}
		choices = append(choices, uint32(v-1))
	}
}

// String is the schedule's text form.
func (s Schedule) String() string { return s.text }

// Len is the number of choices in the schedule.
func (s Schedule) Len() int { return s.n }

// Prefix is the schedule's first n choices (all of them if it has fewer).
func (s Schedule) Prefix(n int) Schedule {
	if n >= s.n {
		return s
	}
	return scheduleOf(s.choices()[:max(n, 0)])
}

// IsZero reports whether the schedule has no choices, for encoding/json's omitzero.
func (s Schedule) IsZero() bool { return s.n == 0 }

// MarshalText is the text form, for encoders.
func (s Schedule) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the text form.
func (s *Schedule) UnmarshalText(text []byte) error {
	parsed, err := ParseSchedule(string(text))
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

// recency is the move-to-front list of goroutine ids a schedule's choices are positions in.
// It holds ids 1…len(ids) in their current order; the ids beyond follow in increasing order.
type recency struct{ ids []int }

// grow makes the list hold at least ids 1…n.
func (o *recency) grow(n int) {
	for len(o.ids) < n {
		o.ids = append(o.ids, len(o.ids)+1)
	}
}

// front moves the id at position p to the front.
func (o *recency) front(p int) {
	id := o.ids[p]
	copy(o.ids[1:p+1], o.ids[:p])
	o.ids[0] = id
}

// position is the position of id, which then moves to the front.
func (o *recency) position(id int) uint32 {
	o.grow(id)
	p := 0
	for o.ids[p] != id {
		p++
	}
	o.front(p)
	return uint32(p)
}

// id is the id at position p, which then moves to the front.
func (o *recency) id(p uint32) int {
	o.grow(int(p) + 1)
	id := o.ids[p]
	o.front(int(p))
	return id
}

// scheduleWriter records a run's choices as they are taken.
type scheduleWriter struct {
	order   recency
	choices []uint32
}

func (w *scheduleWriter) add(id int) { w.choices = append(w.choices, w.order.position(id)) }

// addCase records a select's choice of its i-th ready case: coded as i itself.
func (w *scheduleWriter) addCase(i int) { w.choices = append(w.choices, uint32(i)) }

// schedule is the choices so far.
func (w *scheduleWriter) schedule() Schedule { return scheduleOf(w.choices) }

// len is how many choices have been taken.
func (w *scheduleWriter) len() int { return len(w.choices) }

// bitWriter packs bits six to a base64url character.
type bitWriter struct {
	out  []byte
	acc  int // bits not yet written, in the low n bits
	nacc int
}

func (w *bitWriter) put(bit int) {
	w.acc = w.acc<<1 | bit
	if w.nacc++; w.nacc == 6 {
		w.out = append(w.out, scheduleDigits[w.acc])
		w.acc, w.nacc = 0, 0
	}
}

func (w *bitWriter) text() string {
	if w.nacc > 0 {
		w.out = append(w.out, scheduleDigits[w.acc<<(6-w.nacc)])
	}
	return string(w.out)
}

// bitReader reads the bits of base64url digits, most significant first.
type bitReader struct {
	digits []byte
	pos    int // in bits
}

func (r *bitReader) left() int { return 6*len(r.digits) - r.pos }

func (r *bitReader) peek() int { return int(r.digits[r.pos/6]>>(5-r.pos%6)) & 1 }

func (r *bitReader) next() int {
	b := r.peek()
	r.pos++
	return b
}
