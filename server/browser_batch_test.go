package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// The page's binary batch decoder (web/trace/batch.js) reads the Go-written batches of the
// protocol fixture into the very events the page's JSON decoder makes of the fixture's
// events messages — the same fields, values and key order — and refuses the batches marked
// malformed with a ProtocolError.
func TestBrowserBatchDecoderReadsTheGoldenFixture(t *testing.T) {
	readLines := func(name string) []string {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			if line := string(bytes.TrimSpace(sc.Bytes())); line != "" {
				lines = append(lines, line)
			}
		}
		return lines
	}
	var messages []string
	for _, line := range readLines(protocolFixture) {
		if !malformedMark.MatchString(line) {
			messages = append(messages, line)
		}
	}
	batches := readLines(batchFixture)
	arg, err := json.Marshal(map[string][]string{"messages": messages, "batches": batches})
	if err != nil {
		t.Fatal(err)
	}

	ts := newTestServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.srv.URL+"/"), chromedp.WaitReady("#timeline")); err != nil {
		t.Fatal(err)
	}
	rep, err := chromedp.Run(ctx, chromedp.Evaluate[batchReport]("("+batchCheckJS+")("+string(arg)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run the decoder in the page: %v", err)
	}
	for _, p := range rep.Problems {
		t.Error(p)
	}
	if rep.Events == 0 || rep.Runs < 10 {
		t.Errorf("the page decoded %d events of %d runs from the batches", rep.Events, rep.Runs)
	}
	if marked := countMalformed(batches); rep.Malformed != marked || marked == 0 {
		t.Errorf("the page refused %d malformed batches, the fixture marks %d", rep.Malformed, marked)
	}
	t.Logf("%d events of %d runs, the same from both; %d malformed batches refused", rep.Events, rep.Runs, rep.Malformed)
}

// batchReport is what the in-page check returns.
type batchReport struct {
	Problems  []string `json:"problems"`
	Events    int      `json:"events"`    // events decoded from the batches
	Malformed int      `json:"malformed"` // batches refused with a ProtocolError
	Runs      int      `json:"runs"`
}

func countMalformed(lines []string) int {
	n := 0
	for _, l := range lines {
		if malformedMark.MatchString(l) {
			n++
		}
	}
	return n
}

// batchCheckJS is an async function of the fixture's JSON messages and binary batches that
// decodes both with the page's decoders and reports where they differ.
const batchCheckJS = `async ({messages, batches}) => {
  const D = await import('/web/trace/decode.js');
  const B = await import('/web/trace/batch.js');
  const M = await import('/web/trace/model.js');
  const problems = [];
  const fromJSON = [];
  for (const line of messages) {
    const m = D.decodeMessage(line);
    if (m.type === 'events') for (const e of m.events) fromJSON.push([m.run, JSON.stringify(e)]);
  }
  const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  const dec = new B.BatchDecoder();
  const fromBatches = [];
  const traces = new Map();
  let malformed = 0;
  batches.forEach((line, i) => {
    const l = JSON.parse(line);
    if (l._malformed) {
      try {
        new B.BatchDecoder().decode(bytesOf(l.batch));
        problems.push('batch line ' + (i + 1) + ' is marked malformed, but the decoder accepted it');
      } catch (e) {
        if (e instanceof D.ProtocolError) malformed++;
        else problems.push('batch line ' + (i + 1) + ' threw ' + e.name + ', not a ProtocolError: ' + e.message);
      }
      return;
    }
    let m;
    try {
      m = dec.decode(bytesOf(l.batch));
    } catch (e) {
      problems.push('batch line ' + (i + 1) + ': ' + e.message);
      return;
    }
    if (m.type !== 'events' || m.v !== D.SCHEMA_VERSION || m.run !== l.run) problems.push('batch line ' + (i + 1) + ' decodes as ' + m.type + ' v' + m.v + ' of run ' + m.run);
    if (!traces.has(m.run)) traces.set(m.run, new M.Trace());
    try {
      traces.get(m.run).add(m.events);
    } catch (e) {
      problems.push('batch line ' + (i + 1) + ': the model refuses its events: ' + e.message);
    }
    for (const e of m.events) fromBatches.push([m.run, JSON.stringify(e)]);
  });
  if (fromBatches.length !== fromJSON.length) problems.push('the batches hold ' + fromBatches.length + ' events, the JSON ' + fromJSON.length);
  for (let i = 0; i < Math.min(fromBatches.length, fromJSON.length) && problems.length < 20; i++) {
    const [br, be] = fromBatches[i];
    const [jr, je] = fromJSON[i];
    if (br !== jr || be !== je) problems.push('event ' + (i + 1) + ' of the fixture: from the batch, run ' + br + ' ' + be + '; from the JSON, run ' + jr + ' ' + je);
  }
  return { problems, events: fromBatches.length, malformed, runs: traces.size };
}`
