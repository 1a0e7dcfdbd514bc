package stage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"interleave/scenarios/stage"
)

// batchRoundTrip encodes events as one run's batches of at most per events each and decodes
// them again; it fails the test if the decoded events' JSON differs from the events' (their
// text made UTF-8 as the JSON makes it, which writes a bad byte as an escaped U+FFFD).
func batchRoundTrip(t testing.TB, events []stage.Event, per int) int {
	t.Helper()
	valid := make([]stage.Event, len(events))
	for i := range events {
		valid[i] = canonical(events[i])
	}
	enc := stage.NewBatchEncoder()
	var dec stage.BatchDecoder
	var back []stage.Event
	size := 0
	for from := 0; from < len(events); {
		msg, n := enc.AppendBatch(nil, 3, events[from:min(from+per, len(events))], 1<<20)
		if !stage.IsBatch(msg) {
			t.Fatalf("a batch that IsBatch does not know: % x", msg[:2])
		}
		run, got, err := dec.Decode(msg)
		if err != nil {
			t.Fatalf("batch from event %d: %v", from+1, err)
		}
		if run != 3 || len(got) != n {
			t.Fatalf("batch from event %d: run %d with %d events, want run 3 with %d", from+1, run, len(got), n)
		}
		back = append(back, got...)
		size += len(msg)
		from += n
	}
	want, got := stage.AppendEvents(nil, valid), stage.AppendEvents(nil, back)
	if !bytes.Equal(got, want) {
		for i := range min(len(events), len(back)) {
			if w, g := valid[i].AppendJSON(nil), back[i].AppendJSON(nil); !bytes.Equal(w, g) {
				t.Fatalf("event %d comes back as\n%s\nwant\n%s", i+1, g, w)
			}
		}
		t.Fatalf("%d events come back as %d", len(events), len(back))
	}
	return size
}

// Every kind of event comes back from its binary batch as it went, whatever the batches'
// size: the tables a run's batches share are kept across them.
func TestBatchRoundTrip(t *testing.T) {
	for _, per := range []int{1, 2, 7, 1000} {
		t.Run(fmt.Sprint(per), func(t *testing.T) {
			batchRoundTrip(t, goldenEvents(), per)
		})
	}
}

// A seeded run's events cost a fraction of their JSON in a batch.
func TestBatchIsSmall(t *testing.T) {
	events, _ := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, MaxEvents: 1 << 20}, pingPongProgram(1_000))
	size := batchRoundTrip(t, events, 2000)
	json := len(stage.AppendEvents(nil, events))
	if perEvent := float64(size) / float64(len(events)); perEvent > 12 {
		t.Errorf("%.1f bytes an event in batches (%.1f as JSON), want at most 12", perEvent, float64(json)/float64(len(events)))
	}
}

// A batch stops where seqs stop being consecutive, and at its size: the rest goes in the next.
func TestBatchCuts(t *testing.T) {
	events := goldenEvents()
	gap := append(append([]stage.Event{}, events[:3]...), events[4:6]...)
	_, n := stage.NewBatchEncoder().AppendBatch(nil, 1, gap, 1<<20)
	if n != 3 {
		t.Errorf("a batch over a gap after event 3 holds %d events, want 3", n)
	}
	msg, n := stage.NewBatchEncoder().AppendBatch(nil, 1, events, 40)
	if n == len(events) || n == 0 || len(msg) > 40+200 {
		t.Errorf("a batch of at most 40 bytes holds %d of %d events in %d bytes", n, len(events), len(msg))
	}
}

// The decoder refuses what is not a batch that follows the ones before, saying why.
func TestBatchDecoderRefuses(t *testing.T) {
	events := goldenEvents()
	enc := stage.NewBatchEncoder()
	first, n := enc.AppendBatch(nil, 1, events[:10], 1<<20)
	second, _ := enc.AppendBatch(nil, 1, events[n:20], 1<<20)
	for _, c := range []struct {
		name  string
		batch []byte
		// before are batches decoded first
		before [][]byte
	}{
		{"empty", nil, nil},
		{"JSON", []byte(`{"v":1}`), nil},
		{"another version", append([]byte{0xEB, 9}, first[2:]...), nil},
		{"cut short", first[:len(first)-1], nil},
		{"a byte more", append(append([]byte{}, first...), 0x80), nil},
		{"no events", first[:4], nil},
		{"without the batch before", second, nil},
		{"twice", first, [][]byte{first}},
		{"a name never defined", []byte{0xEB, 1, 1, 1, 9, 0, 0, 1}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var dec stage.BatchDecoder
			for _, b := range c.before {
				if _, _, err := dec.Decode(b); err != nil {
					t.Fatal(err)
				}
			}
			if _, got, err := dec.Decode(c.batch); err == nil {
				t.Errorf("decoded % x as %d events", c.batch, len(got))
			} else if !errors.Is(err, stage.ErrBatch) {
				t.Errorf("the error %v is not an ErrBatch", err)
			}
		})
	}
}

func TestAppendBatchAllocates(t *testing.T) {
	events := goldenEvents()
	enc := stage.NewBatchEncoder()
	buf, _ := enc.AppendBatch(nil, 1, events, 1<<20) // its tables filled
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = enc.AppendBatch(buf[:0], 1, events, 1<<20)
	})
	if allocs != 0 {
		t.Errorf("AppendBatch allocated %.1f times once its strings were known", allocs)
	}
}

// FuzzBatchDecoder: no input makes the decoder panic, and what it accepts it gives back
// the same when encoded again.
func FuzzBatchDecoder(f *testing.F) {
	events := goldenEvents()
	for _, per := range []int{3, 40} {
		msg, _ := stage.NewBatchEncoder().AppendBatch(nil, 1, events[:per], 1<<20)
		f.Add(msg)
	}
	f.Add([]byte{0xEB, 1, 1, 1, 1, 4, 'e', 'x', 'i', 't', 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var dec stage.BatchDecoder
		_, got, err := dec.Decode(data)
		if err != nil {
			return
		}
		batchRoundTrip(t, got, len(got))
	})
}

// FuzzBatchText: values, names and ops of any bytes come back as their JSON says them.
func FuzzBatchText(f *testing.F) {
	f.Add("42", "producer 1", "add")
	f.Add("\xff\xfe", "\xe2\x82", "\xed\xa0\x80")
	f.Add("", "😀", "")
	f.Fuzz(func(t *testing.T, value, name, op string) {
		events := []stage.Event{
			{Seq: 1, G: 1, Kind: stage.KindPrint, Value: value, Line: 3},
			{Seq: 2, T: 1, G: 1, Kind: stage.KindGo, Child: 2, Name: name, Line: 4},
			{Seq: 3, T: 2, G: 2, Kind: stage.KindSendBegin, Obj: 1, Msg: 1, Value: value},
			{Seq: 4, T: 3, G: 2, Kind: stage.KindAtomic, Obj: 2, Op: op, Value: value + name, Old: 1, New: -2},
			{Seq: 5, T: 3, G: 2, Kind: "x-new-kind", Obj: 2, Op: op, Value: value},
			{Seq: 6, T: 9, G: 2, Kind: stage.KindPrint, Value: value},
		}
		batchRoundTrip(t, events, 3)
	})
}

func BenchmarkEncodeBatches(b *testing.B) {
	events, _ := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, MaxEvents: 1 << 20}, pingPongProgram(10_000))
	buf := make([]byte, 0, 32<<10+256)
	size := 0
	b.ResetTimer()
	for range b.N {
		enc := stage.NewBatchEncoder()
		size = 0
		for from := 0; from < len(events); {
			var n int
			buf, n = enc.AppendBatch(buf[:0], 1, events[from:min(from+2000, len(events))], 32<<10)
			size += len(buf)
			from += n
		}
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(size)/float64(len(events)), "B/event")
}
