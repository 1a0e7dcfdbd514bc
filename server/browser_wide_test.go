package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"interleave/scenarios"
)

// A wide param — worker-pool's tasks, 1 to 100,000 — is a number box beside a slider, kept in
// step both ways: typing a number moves the slider and the link; the slider, by keyboard,
// moves the box; a value the server would refuse marks the box invalid and leaves the link
// as it was, and leaving the box takes the number clamped into range, as the server would.
// The slider is logarithmic, and says the value it stands for: its middle is hundreds of
// tasks, not fifty thousand.
func TestBrowserWideParamHasANumberBox(t *testing.T) {
	sc, _ := scenarios.New().Lookup("worker-pool")
	var tasks scenarios.Param
	for _, p := range sc.Params {
		if p.Name == "tasks" {
			tasks = p
		}
	}
	if !tasks.Wide() {
		t.Fatalf("worker-pool's tasks (%+v) is not a wide param", tasks)
	}
	ts := newTestServer(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 800, false)
	openPage(t, ctx, ts.srv.URL+"/play/worker-pool")
	const rest = "&queue=2&task=150&jitter=150"
	// state is the box's value, whether it is marked invalid, the value the slider says it
	// stands for, and the tasks the address and the share link carry.
	state := func() string {
		t.Helper()
		return eval[string](t, ctx, `(() => { const box = document.getElementById('p-tasks'), slider = document.getElementById('s-tasks');
			const link = new URL(document.getElementById('share').href).searchParams.get('tasks');
			return [box.value, box.getAttribute('aria-invalid') === 'true' ? 'invalid' : 'ok', slider.getAttribute('aria-valuetext'),
				new URLSearchParams(location.search).get('tasks') + '/' + link].join(' ') })()`)
	}
	// thousands writes n as the slider says it: 40,000.
	thousands := func(n int) string {
		s := strconv.Itoa(n)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	want := func(n int) string { v := strconv.Itoa(n); return v + " ok " + thousands(n) + " " + v + "/" + v }
	typeInBox := func(text string) {
		t.Helper()
		eval[bool](t, ctx, `(() => { const box = document.getElementById('p-tasks'); box.focus(); box.select(); return true })()`)
		pressKeys(t, ctx, text)
	}

	click(t, ctx, `label[for="p-tasks"]`)
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "p-tasks" {
		t.Fatalf("clicking the Tasks label focused %q, not the number box", id)
	}
	// The address stays as opened, without params; the share link names them.
	if got, want := state(), strings.Replace(want(tasks.Default), " "+strconv.Itoa(tasks.Default)+"/", " null/", 1); got != want {
		t.Errorf("as the page opens: %q, want %q", got, want)
	}
	typeInBox("40000")
	if got, want := state(), want(40000); got != want {
		t.Errorf("after typing 40000 in the box: %q, want %q", got, want)
	}
	if loc := eval[string](t, ctx, `location.search`); loc != "?workers=3&tasks=40000"+rest {
		t.Errorf("the address reads %s", loc)
	}
	screenshot(t, ctx, "desktop")

	eval[bool](t, ctx, `document.getElementById('s-tasks').focus(), true`)
	pressKeys(t, ctx, kb.End)
	if got, want := state(), want(100000); got != want {
		t.Errorf("after End on the slider: %q, want %q", got, want)
	}
	pressKeys(t, ctx, kb.ArrowLeft)
	if got, want := state(), want(tasks.SliderValue(scenarios.SliderStops-1)); got != want {
		t.Errorf("after ← on the slider: %q, want %q, a stop down", got, want)
	}
	pressKeys(t, ctx, kb.Home)
	if got, want := state(), want(1); got != want {
		t.Errorf("after Home on the slider: %q, want %q", got, want)
	}
	// Half way along, as a drag would leave it: hundreds of tasks.
	eval[bool](t, ctx, `(() => { const s = document.getElementById('s-tasks'); s.value = String(s.max / 2);
		s.dispatchEvent(new Event('input', {bubbles: true})); return true })()`)
	middle := tasks.SliderValue(scenarios.SliderStops / 2)
	if got, want := state(), want(middle); got != want || middle < 100 || middle > 1000 {
		t.Errorf("the slider half way along: %q, want %q, hundreds", got, want)
	}

	typeInBox("200000") // "20000" is in range, "200000" is not
	if got, want := state(), "200000 invalid 20,000 20000/20000"; got != want {
		t.Errorf("after typing 200000: %q, want %q: marked invalid, the slider and the link at the last good value", got, want)
	}
	pressKeys(t, ctx, kb.Tab)
	if got, want := state(), want(100000); got != want {
		t.Errorf("after leaving the box at 200000: %q, want %q, clamped", got, want)
	}

	// The help says the range, with its thousands marked.
	if help := eval[string](t, ctx, `document.getElementById('h-tasks').textContent`); !strings.Contains(help, "(1 to 100,000)") {
		t.Errorf("the tasks help reads %q", help)
	}
	// On a phone the box and the slider both fit the settings' width.
	viewport(t, ctx, 390, 844, true)
	if over := eval[bool](t, ctx, `(() => { const row = document.getElementById('p-tasks').closest('.param').getBoundingClientRect();
		const box = document.getElementById('p-tasks').getBoundingClientRect(), slider = document.getElementById('s-tasks').getBoundingClientRect();
		return box.right > row.right + 0.5 || slider.right > row.right + 0.5 || box.width < 60 })()`); over {
		t.Error("at 390 px the number box or the slider does not fit its row")
	}
	eval[bool](t, ctx, `document.getElementById('p-tasks').scrollIntoView({block: 'center'}), true`)
	screenshot(t, ctx, "phone")
}
