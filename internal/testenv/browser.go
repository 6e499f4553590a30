package testenv

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// PageCheck is what a page loaded in headless Chromium reports about itself
// (Inspect).
type PageCheck struct {
	ScrollWidth int      `json:"scrollWidth"` // the document's full width, CSS pixels
	ClientWidth int      `json:"clientWidth"` // the viewport's width
	Images      int      `json:"images"`      // <img> elements
	Broken      []string `json:"broken"`      // images that did not load, by alt text or source
	// Wide lists elements reaching past the viewport's right edge, outside
	// any element of class "scroll" (a deliberate horizontal scroller).
	Wide []string `json:"wide"`
	// Boxes are the first element matching each selector Inspect was asked
	// about, from the top of the page; a selector matching nothing is absent.
	Boxes map[string]Box `json:"boxes"`
	// SplitHeaders lists table headers (th) with a word broken across two
	// lines ("significa" / "nt"), each as its text; a header may wrap only
	// between words.
	SplitHeaders []string `json:"splitHeaders"`
	// Console holds the errors and warnings the console showed: console.error
	// and console.warn calls, uncaught exceptions, and browser log entries
	// such as a resource that failed to load.
	Console []string `json:"-"`
	// Screenshot is the whole page as a PNG.
	Screenshot []byte `json:"-"`
}

// outDir is where browser tests write their screenshots (SaveScreenshot).
var outDir = flag.String("outdir", "", "directory for the headless-browser tests' screenshots (default: the test's temporary directory)")

// SaveScreenshot writes the page's screenshot as name (a PNG file name)
// into -outdir, or the test's temporary directory without it, and logs
// the path.
func SaveScreenshot(t testing.TB, c PageCheck, name string) {
	t.Helper()
	dir := *outDir
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("-outdir: %v", err)
	}
	if len(c.Screenshot) == 0 {
		t.Errorf("no screenshot for %s", name)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, c.Screenshot, 0o644); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
}

// Box is an element's vertical extent in CSS pixels from the top of the page.
type Box struct {
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
}

// Problems lists what is wrong with the page: horizontal overflow, images
// that did not load, console errors and warnings.
func (c PageCheck) Problems() []string {
	var out []string
	if c.ScrollWidth > c.ClientWidth || len(c.Wide) > 0 {
		out = append(out, fmt.Sprintf("horizontal overflow: document %d px wide in a %d px viewport; past the edge: %v", c.ScrollWidth, c.ClientWidth, c.Wide))
	}
	if len(c.Broken) > 0 {
		out = append(out, fmt.Sprintf("images that did not load: %v", c.Broken))
	}
	if len(c.SplitHeaders) > 0 {
		out = append(out, fmt.Sprintf("table headers with a word split across lines: %q", c.SplitHeaders))
	}
	for _, m := range c.Console {
		out = append(out, "console: "+m)
	}
	return out
}

const checkJS = `((selectors) => {
  const de = document.documentElement;
  const imgs = Array.from(document.images);
  const boxes = {};
  for (const s of selectors) {
    const e = document.querySelector(s);
    if (e) { const r = e.getBoundingClientRect(); boxes[s] = {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY}; }
  }
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > de.clientWidth + 0.5 && !e.closest(".scroll"))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""));
  // A word of a header split across lines has client rects on more than
  // one line (distinct tops).
  const split = [];
  for (const th of document.querySelectorAll("th")) {
    const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    let broken = false;
    for (let n = walk.nextNode(); n && !broken; n = walk.nextNode()) {
      for (const m of n.data.matchAll(/\S+/g)) {
        const r = document.createRange();
        r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const tops = new Set(Array.from(r.getClientRects()).filter(b => b.width > 0).map(b => Math.round(b.top)));
        if (tops.size > 1) { broken = true; break; }
      }
    }
    if (broken) split.push(th.textContent.trim());
  }
  return {
    splitHeaders: split,
    scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, images: imgs.length,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt || i.src.slice(0, 80)),
    wide: wide, boxes: boxes,
  };
})(%s)`

// Browser starts headless Chromium for a test and returns a context for
// Inspect; it is stopped when the test ends. Under -short the test is
// skipped; a missing Chromium is Missing (a failure in CI).
func Browser(t testing.TB) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the headless-browser checks")
	}
	bin := LookPath(t, "apt-get install chromium", "/usr/bin/chromium", "chromium", "chromium-browser")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	// A bound for a hung browser, not a target: a first start after the
	// install builds the font cache, and a loaded 2-core machine is slow.
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start %s: %v", bin, err)
	}
	return ctx
}

// Inspect loads url in a new tab of the browser in ctx (Browser) with a
// width×height viewport, once it has loaded asks the page about itself, and
// collects what its console showed. selectors name elements whose position
// the caller wants (PageCheck.Boxes).
func Inspect(ctx context.Context, url string, width, height int64, selectors ...string) (PageCheck, error) {
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(width, height)); err != nil {
		return PageCheck{}, fmt.Errorf("viewport %dx%d: %w", width, height, err)
	}
	sel, err := json.Marshal(append([]string{}, selectors...))
	if err != nil {
		return PageCheck{}, err
	}
	listen, stop := context.WithCancel(tab)
	messages := chromedp.Console(listen)
	var (
		mu      sync.Mutex
		console []string
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				console = append(console, m.String())
				mu.Unlock()
			}
		}
	}()
	err = chromedp.Do(tab, chromedp.Navigate(url))
	var check PageCheck
	if err == nil {
		check, err = chromedp.Run(tab, chromedp.Evaluate[PageCheck](fmt.Sprintf(checkJS, sel)))
	}
	if err == nil {
		check.Screenshot, err = chromedp.Run(tab, chromedp.FullScreenshot(100))
	}
	time.Sleep(200 * time.Millisecond) // let the last console events arrive
	stop()
	<-done
	mu.Lock()
	check.Console = console
	mu.Unlock()
	if err != nil {
		return check, fmt.Errorf("load %s: %w", url, err)
	}
	return check, nil
}
