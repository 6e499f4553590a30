package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectFindsFaults checks the browser check on a page with each fault
// it must catch, and on a clean page.
func TestInspectFindsFaults(t *testing.T) {
	ctx := Browser(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>`+body+`</body></html>`), 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	bad := write("bad.html", `<div style="width:2000px">too wide</div><img src="missing.png" alt="missing-image"><script>console.error("boom")</script>`)
	c, err := Inspect(ctx, bad, 1280, 800, "div", "#absent")
	if err != nil {
		t.Fatal(err)
	}
	if c.ScrollWidth <= c.ClientWidth || len(c.Wide) == 0 {
		t.Errorf("overflow not seen: %+v", c)
	}
	if len(c.Broken) != 1 || c.Broken[0] != "missing-image" {
		t.Errorf("broken images = %v, want [missing-image]", c.Broken)
	}
	all := strings.Join(c.Console, "\n")
	if !strings.Contains(all, "boom") {
		t.Errorf("console.error not seen: %q", all)
	}
	if !strings.Contains(all, "missing.png") && !strings.Contains(all, "ERR_FILE_NOT_FOUND") {
		t.Errorf("failed image load not in the console: %q", all)
	}
	if b, ok := c.Boxes["div"]; !ok || b.Bottom <= b.Top {
		t.Errorf("box of div = %+v (%v)", b, ok)
	}
	if _, ok := c.Boxes["#absent"]; ok {
		t.Error("a selector matching nothing has a box")
	}
	if len(c.Problems()) < 3 {
		t.Errorf("problems %q, want overflow, image and console", c.Problems())
	}

	// A scroller of class "scroll" is not overflow; a clean page has no problem.
	good := write("good.html", `<div class="scroll" style="overflow-x:auto"><div style="width:2000px">wide table</div></div><p>fine</p>`)
	c, err = Inspect(ctx, good, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Problems(); len(p) > 0 || c.Images != 0 {
		t.Errorf("clean page: problems %q, %d images", p, c.Images)
	}
}
