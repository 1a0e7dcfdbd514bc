package main

import (
	"strings"
	"testing"
)

// The page's script writes the run settings into the link as the server does, with the
// server's limits (the table it renders into the page): what the script links to, the server
// opens without a notice.
func TestBrowserRunSettingsLink(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	const params = "/play/cell?initial=10&set=20&updates=3&share=yes"
	openPage(t, ctx, ts.srv.URL+params)
	link := func() string {
		t.Helper()
		addr := eval[string](t, ctx, `location.pathname + location.search`)
		if share := eval[string](t, ctx, `document.getElementById('share').getAttribute('href')`); share != addr {
			t.Errorf("the address reads %s, the share link %s", addr, share)
		}
		return addr
	}
	// setField gives a run setting's field a value as a person would: an input event fires.
	setField := func(id, value string) {
		t.Helper()
		eval[bool](t, ctx, `(() => { const el = document.getElementById('`+id+`');
			el.value = '`+value+`'; el.dispatchEvent(new Event('input', {bubbles: true}));
			el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	}
	if got := link(); got != params {
		t.Errorf("a live link reads %s, want %s", got, params)
	}

	click(t, ctx, `label[for="mode-seeded"]`)
	seed := eval[string](t, ctx, `document.getElementById('seed').value`)
	if got, want := link(), params+"&mode=seeded&seed="+seed+"&processors=4"; seed == "" || got != want {
		t.Errorf("switched to seeded, the link reads %s, want %s", got, want)
	}
	setField("processors", "2")
	setField("seed", "9007199254740991")
	seeded := params + "&mode=seeded&seed=9007199254740991&processors=2"
	if got := link(); got != seeded {
		t.Errorf("with the largest seed and 2 processors the link reads %s, want %s", got, seeded)
	}
	if eval[bool](t, ctx, `document.getElementById('seed').hasAttribute('aria-invalid')`) {
		t.Error("the largest seed is marked invalid")
	}
	setField("seed", "9007199254740992")
	if got, want := link(), params+"&mode=seeded&processors=2"; got != want {
		t.Errorf("past the largest seed the link reads %s, want %s (no seed)", got, want)
	}
	if !eval[bool](t, ctx, `document.getElementById('seed').getAttribute('aria-invalid') === 'true'`) {
		t.Error("a seed past the largest is not marked invalid")
	}
	click(t, ctx, `label[for="mode-live"]`)
	if got := link(); got != params {
		t.Errorf("back to live, the link reads %s, want %s", got, params)
	}

	// The server opens what the script linked to as it stands.
	for _, l := range []string{seeded, seeded + "&view=events"} {
		openPage(t, ctx, ts.srv.URL+l)
		if eval[bool](t, ctx, `!!document.getElementById('notices')`) {
			t.Errorf("%s opens with notices: %s", l, eval[string](t, ctx, `document.getElementById('notices').innerText`))
		}
		if got := link(); got != l {
			t.Errorf("%s, once its script has started, reads %s", l, got)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('input[name="mode"]:checked').value + ' ' + document.getElementById('processors').value`); !strings.HasPrefix(got, "seeded 2") {
		t.Errorf("the seeded link shows mode and processors %q", got)
	}
}
