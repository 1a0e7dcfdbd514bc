package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A finished run's dense goroutine lanes keep their drawing of the view and show it up to the
// playhead (lanes/goroutine.js): what is on screen must be what drawing them afresh gives.
// The Timeline PNG draws afresh, always, so the page on screen and its PNG are held to each
// other, pixel for pixel but for the playhead's own column, with the playhead stepped, after
// a zoom and after a group is folded: a kept drawing of another view would show.

// keptLink is readers-writers at 2,000 rounds: every reader's lane has thousands of spans.
const keptLink = "/play/readers-writers?readers=8&writers=4&rounds=2000&read=100&write=50&twice=no&mode=seeded&seed=2&processors=4&view=time&at=400000000000"

// keptProbe counts the lanes' kept drawings copied onto the page's canvas, and hands the
// test the timeline (window.__tl) and where on it the playhead stands (window.__phX, css px).
const keptProbe = `(() => {
  window.__kept = 0;
  Promise.all([import('/web/timeline/timeline.js'), import('/web/timeline/paint.js')]).then(([{ Timeline }, { PAD_R }]) => {
    const draw = Timeline.prototype.draw;
    Timeline.prototype.draw = function () {
      window.__tl = this;
      const [t0, t1] = this.range();
      window.__phX = this.labelW + (this.playhead - t0) * (this.cssW - PAD_R - this.labelW) / (t1 - t0);
      return draw.call(this);
    };
  });
  const copy = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (img, ...rest) {
    if (img instanceof HTMLCanvasElement && this.canvas.id === 'timeline' && img.height === Math.ceil(26 * (window.devicePixelRatio || 1))) window.__kept++;
    return copy.call(this, img, ...rest);
  };
})()`

// keptDiffers compares the canvas on screen with the Timeline PNG over the lanes in view left
// of the playhead, its column and the next left out, and says how many pixels differ.
const keptDiffers = `(async () => {
  const canvas = document.getElementById('timeline');
  const shot = await createImageBitmap(await window.__tl.snapshot());
  const w = canvas.width, h = Math.min(canvas.height, shot.height);
  const a = canvas.getContext('2d').getImageData(0, 0, w, h).data;
  const c = new OffscreenCanvas(w, h).getContext('2d');
  c.drawImage(shot, 0, 0);
  const b = c.getImageData(0, 0, w, h).data;
  const dpr = window.devicePixelRatio || 1;
  let differ = 0, looked = 0;
  const top = Math.ceil(30 * dpr); // below the axis, which the PNG draws alike
  for (let y = top; y < h; y++) for (let x = 0; x < w; x++) {
    if (Math.abs(x / dpr - window.__phX) < 2) continue; // the playhead's own column
    const i = (y * w + x) * 4;
    if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) <= 24) { looked++; continue; }
    differ++;
  }
  return differ + ' of ' + (looked + differ);
})()`

func TestBrowserKeptLanesDrawAsAfresh(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: keptProbe}); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, ts.srv.URL+keptLink)
	if reason, failure := pageRunEnd(t, ctx); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	step := func() {
		t.Helper()
		for range 3 {
			pressKeys(t, ctx, kb.ArrowRight)
			pressKeys(t, ctx, kb.ArrowLeft)
		}
		settle(t, ctx)
	}
	same := func(when string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](keptDiffers, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if !strings.HasPrefix(got, "0 of ") {
			screenshot(t, ctx, strings.ReplaceAll(when, " ", "-"))
			t.Errorf("%s, %s pixels of the lanes differ from the Timeline PNG's", when, got)
		}
	}
	step()
	if n := eval[int](t, ctx, `window.__kept`); n == 0 {
		t.Fatal("no lane showed a kept drawing: this test tests nothing")
	}
	same("with the playhead stepped")
	pressKeys(t, ctx, "+")
	step()
	same("zoomed in")
	click(t, ctx, ".tl-folds button")
	step()
	same("with the first group folded")
	screenshot(t, ctx, "folded")
}
