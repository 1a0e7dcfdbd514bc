package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"interleave/scenarios/stage"
)

// The binary batches' golden fixture: the events messages of the protocol fixture, each as
// the binary batch a client that asks for them gets instead (a run's batches sharing its
// strings, as on a socket), one a line as {"run":N,"batch":"<base64>"}; then batches the
// decoder must refuse, marked malformed. The browser test decodes them with the page's
// decoder and holds the events to what the page makes of the JSON.

const batchFixture = "protocol.batches.golden.jsonl"

type batchLine struct {
	Run       int    `json:"run,omitempty"`
	Batch     []byte `json:"batch"`
	Malformed bool   `json:"_malformed,omitempty"`
}

// protocolBatches are the fixture's lines.
func protocolBatches(t *testing.T) [][]byte {
	t.Helper()
	var lines [][]byte
	var enc *stage.BatchEncoder
	lastRun := 0
	for _, line := range protocolMessages(t) {
		if malformedMark.Match(line) {
			continue
		}
		var m struct {
			Type   string        `json:"type"`
			Run    int           `json:"run"`
			Events []stage.Event `json:"events"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		switch m.Type {
		case typeMeta:
			if m.Run == lastRun {
				// the decoder would take it for the same run, whose tables go on
				t.Fatalf("the protocol fixture has two runs %d one after the other", m.Run)
			}
			lastRun, enc = m.Run, stage.NewBatchEncoder()
		case typeEvents:
			batch, n := enc.AppendBatch(nil, m.Run, m.Events, 1<<20)
			if n != len(m.Events) {
				t.Fatalf("a batch of run %d holds %d of its %d events", m.Run, n, len(m.Events))
			}
			lines = append(lines, mustMarshal(t, batchLine{Run: m.Run, Batch: batch}))
		}
	}
	good, _ := stage.NewBatchEncoder().AppendBatch(nil, 1, goldenRun()[:3], 1<<20)
	for _, bad := range [][]byte{
		{},
		[]byte(`{"v":1}`),
		{0xEB, 9, 1, 1, 2, 0, 0, 1}, // another version
		good[:len(good)-1],          // cut short
		{0xEB, 1, 1, 1},             // no events
		{0xEB, 1, 1, 1, 7, 0, 0, 1}, // a kind never named
		{0xEB, 1, 1, 1, 1, 4, 'E', 'x', 'i', 't', 0, 0, 1},                 // a kind no kind is named
		{0xEB, 1, 1, 1, 1, 2, 0xC3, 0x28, 0, 0, 1},                         // a name that is not UTF-8
		{0xEB, 1, 1, 1, 1, 4, 'e', 'x', 'i', 't', 0, 1, 1},                 // time before the start
		{0xEB, 1, 1, 1, 1, 5, 'p', 'r', 'i', 'n', 't', 4, 0, 1, 3},         // a value never sent
		{0xEB, 1, 1, 1, 1, 4, 'e', 'x', 'i', 't', 0x80, 0x10, 0, 1},        // fields unknown
		{0xEB, 1, 1, 1, 0, 9, '{', '"', 's', 'e', 'q', '"', ':', '2', '}'}, // JSON of another event
		// a select's case with fields unknown
		append(append([]byte{0xEB, 1, 1, 1, 1, 12}, "select-begin"...), 0x80, 0x08, 0, 1, 1, 0, 4, 'r', 'e', 'c', 'v', 32),
	} {
		lines = append(lines, mustMarshal(t, batchLine{Batch: bad, Malformed: true}))
	}
	return lines
}

// TestProtocolBatchesGolden keeps testdata/protocol.batches.golden.jsonl equal to what the Go
// side sends, and checks that the Go decoder gives back the protocol fixture's events from it
// and refuses what is marked malformed. Run with -update after a deliberate change, and bump
// stage.BatchVersion if old pages would misread it.
func TestProtocolBatchesGolden(t *testing.T) {
	lines := protocolBatches(t)
	got := append(bytes.Join(lines, []byte("\n")), '\n')
	path := filepath.Join("testdata", batchFixture)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./server -run ProtocolBatchesGolden -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the binary batches changed: %s differs from what the server sends; if that is intended, run with -update", path)
	}
	var dec stage.BatchDecoder
	for i, raw := range lines {
		var l batchLine
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		if l.Malformed {
			if _, _, err := (&stage.BatchDecoder{}).Decode(l.Batch); err == nil {
				t.Errorf("line %d: the Go decoder accepts % x", i+1, l.Batch)
			}
			continue
		}
		if run, _, err := dec.Decode(l.Batch); err != nil || run != l.Run {
			t.Errorf("line %d: run %d, %v", i+1, run, err)
		}
	}
}
