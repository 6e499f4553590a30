package ab

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
)

// TestReportInBrowser loads the A/B page in headless Chromium at 1280 and
// 800 pixels wide: no horizontal overflow, no console error or warning,
// no table header with a word split across lines ("head/bas/e"), and the
// verdict on the first screen. It writes a screenshot at each width
// (ab-1280.png, ab-800.png) into -outdir or the test's temporary directory.
func TestReportInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	o := goldenOutcome()
	o.Dir = t.TempDir()
	if err := o.WriteFiles(""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(o.Dir, MarkdownFile)); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(o.Dir, HTMLFile)
	const verdict = ".verdict"
	for _, width := range []int64{1280, 800} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			const height = 800
			c, err := testenv.Inspect(ctx, page, width, height, verdict)
			if err != nil {
				t.Fatal(err)
			}
			testenv.SaveScreenshot(t, c, fmt.Sprintf("ab-%d.png", width))
			for _, p := range c.Problems() {
				t.Error(p)
			}
			if v, ok := c.Boxes[verdict]; !ok || v.Bottom > height {
				t.Errorf("the verdict (%+v, found %v) is not on the first %d px", v, ok, height)
			}
		})
	}
}
