package report_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
)

// TestReportInBrowser loads the report in headless Chromium at 1280 and 800
// pixels wide. It fails on horizontal overflow, an image that does not load,
// a console error or warning, a table header with a word split across
// lines (testenv.PageCheck.SplitHeaders), and, at 1280×800, when the
// verdict and the first key chart are not both wholly on the first screen.
// It writes a screenshot at each width (report-1280.png, report-800.png)
// into -outdir or the test's temporary directory.
func TestReportInBrowser(t *testing.T) {
	// The report first: drawing its charts under -race on a loaded machine
	// takes minutes, which must not count against the browser's deadline.
	dir, figs := writeReport(t)
	ctx := testenv.Browser(t)
	page := "file://" + filepath.Join(dir, "index.html")
	const verdict, chart = "#verdict table", "#charts figure img"
	for _, width := range []int64{1280, 800} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			const height = 800
			c, err := testenv.Inspect(ctx, page, width, height, verdict, chart)
			if err != nil {
				t.Fatal(err)
			}
			shot := c.Screenshot
			c.Screenshot = nil
			t.Logf("%+v", c)
			c.Screenshot = shot
			testenv.SaveScreenshot(t, c, fmt.Sprintf("report-%d.png", width))
			for _, p := range c.Problems() {
				t.Error(p)
			}
			if c.Images != figs {
				t.Errorf("%d images, want %d (one per figure)", c.Images, figs)
			}
			if width != 1280 {
				return
			}
			if v, ok := c.Boxes[verdict]; !ok || v.Bottom > height {
				t.Errorf("the verdict table (%+v, found %v) does not end on the first %d px", v, ok, height)
			}
			if f, ok := c.Boxes[chart]; !ok || f.Bottom > height {
				t.Errorf("the first key chart (%+v, found %v) is not wholly on the first %d px", f, ok, height)
			}
		})
	}
}
