package chart_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fanbench/fanbench/internal/testenv"
)

// pageCheck is what a page reports about itself once loaded (checkJS).
type pageCheck struct {
	ScrollWidth int      `json:"scrollWidth"` // the document's full width
	ClientWidth int      `json:"clientWidth"` // the viewport's width
	Images      int      `json:"images"`
	Broken      []string `json:"broken"` // images that did not load
	Wide        []string `json:"wide"`   // elements reaching past the viewport's right edge
	// Tops and bottoms, in CSS pixels from the top of the page, of the
	// verdict table and of the first key chart; -1 when absent.
	VerdictBottom float64 `json:"verdictBottom"`
	ChartTop      float64 `json:"chartTop"`
	ChartBottom   float64 `json:"chartBottom"`
}

const checkJS = `(() => {
  const de = document.documentElement;
  const imgs = Array.from(document.images);
  const box = (sel, side) => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect()[side] + window.scrollY : -1; };
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > de.clientWidth + 0.5 && !e.closest(".scroll"))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""));
  return {
    scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, images: imgs.length,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt || i.src.slice(0, 80)),
    wide: wide,
    verdictBottom: box("#verdict table", "bottom"),
    chartTop: box("#charts figure img", "top"), chartBottom: box("#charts figure img", "bottom"),
  };
})()`

// browser starts headless Chromium for the test: skipped under -short, and
// a missing Chromium fails the test in CI.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the headless-browser checks")
	}
	bin := testenv.LookPath(t, "apt-get install chromium", "/usr/bin/chromium", "chromium", "chromium-browser")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("start %s: %v", bin, err)
	}
	return ctx
}

// inspect loads url in a new tab with a width×height viewport and returns
// the page's own report and every error or warning its console showed:
// console.error calls, uncaught exceptions and browser log entries such as
// a resource that failed to load.
func inspect(ctx context.Context, url string, width, height int64) (pageCheck, []string, error) {
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(width, height)); err != nil {
		return pageCheck{}, nil, fmt.Errorf("viewport: %w", err)
	}
	listen, stop := context.WithCancel(tab)
	messages := chromedp.Console(listen)
	var (
		mu       sync.Mutex
		problems []string
		done     = make(chan struct{})
	)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	err := chromedp.Do(tab, chromedp.Navigate(url))
	var check pageCheck
	if err == nil {
		check, err = chromedp.Run(tab, chromedp.Evaluate[pageCheck](checkJS))
	}
	time.Sleep(200 * time.Millisecond) // let the last console events arrive
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return check, problems, err
}

// TestReportInBrowser loads the report in headless Chromium at 1280 and 800
// pixels wide. It fails on horizontal overflow, an image that does not load,
// a console error or warning, and, at 1280×800, when the verdict and the
// first key chart are not both on the first screen.
func TestReportInBrowser(t *testing.T) {
	ctx := browser(t)
	dir, figs := writeReport(t)
	page := "file://" + filepath.Join(dir, "index.html")
	for _, width := range []int64{1280, 800} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			const height = 800
			c, problems, err := inspect(ctx, page, width, height)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", c)
			for _, p := range problems {
				t.Errorf("console: %s", p)
			}
			if c.ScrollWidth > c.ClientWidth || len(c.Wide) > 0 {
				t.Errorf("horizontal overflow at %d px: document %d px wide, viewport %d; elements past the edge: %v", width, c.ScrollWidth, c.ClientWidth, c.Wide)
			}
			if c.Images != figs {
				t.Errorf("%d images, want %d (one per figure)", c.Images, figs)
			}
			if len(c.Broken) > 0 {
				t.Errorf("images that did not load: %v", c.Broken)
			}
			if width == 1280 {
				if c.VerdictBottom < 0 || c.VerdictBottom > height {
					t.Errorf("the verdict table ends at %.0f px: not on the first %d px", c.VerdictBottom, height)
				}
				if c.ChartTop < 0 || c.ChartBottom > height {
					t.Errorf("the first key chart spans %.0f–%.0f px: not wholly on the first %d px", c.ChartTop, c.ChartBottom, height)
				}
			}
		})
	}
}

// TestInspectFindsFaults checks the browser check itself on a page with
// each fault it must catch: an element wider than the viewport, an image
// that does not load and a console error.
func TestInspectFindsFaults(t *testing.T) {
	ctx := browser(t)
	bad := filepath.Join(t.TempDir(), "bad.html")
	html := `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div style="width:2000px">too wide</div><img src="missing.png" alt="missing-image"><script>console.error("boom")</script>
</body></html>`
	if err := os.WriteFile(bad, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	c, problems, err := inspect(ctx, "file://"+bad, 1280, 800)
	if err != nil {
		t.Fatal(err)
	}
	if c.ScrollWidth <= c.ClientWidth || len(c.Wide) == 0 {
		t.Errorf("overflow not seen: %+v", c)
	}
	if len(c.Broken) != 1 || c.Broken[0] != "missing-image" {
		t.Errorf("broken images = %v, want [missing-image]", c.Broken)
	}
	all := strings.Join(problems, "\n")
	if !strings.Contains(all, "boom") {
		t.Errorf("console.error not seen: %q", all)
	}
	if !strings.Contains(all, "missing.png") && !strings.Contains(all, "ERR_FILE_NOT_FOUND") {
		t.Errorf("failed image load not in the console: %q", all)
	}
}
