package measure

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

func TestPageCache(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "fixture")
	data := make([]byte, 8<<20)
	rand.Read(data)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Warm(name); err != nil {
		t.Fatal(err)
	}
	r, err := Residency(name)
	if err != nil {
		t.Fatal(err)
	}
	if r < 0.99 {
		t.Errorf("residency after Warm = %.3f, want ≥ 0.99", r)
	}
	tmpfs, err := IsTmpfs(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := Evict(name); err != nil {
		t.Fatal(err)
	}
	if tmpfs {
		t.Skipf("skipping eviction check: %s is on tmpfs, where FADV_DONTNEED cannot drop pages (set TMPDIR to a disk filesystem)", dir)
	}
	r, err = Residency(name)
	if err != nil {
		t.Fatal(err)
	}
	if r > 0.05 {
		t.Errorf("residency after Evict = %.3f, want ≤ 0.05", r)
	}
	if err := Warm(name); err != nil {
		t.Fatal(err)
	}
	if r, _ := Residency(name); r < 0.99 {
		t.Errorf("residency after second Warm = %.3f", r)
	}
}

func TestPageCacheEdges(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := Residency(empty); err != nil || r != 1 {
		t.Errorf("Residency(empty) = %v, %v; want 1", r, err)
	}
	if err := Warm(empty); err != nil {
		t.Error(err)
	}
	if err := Evict(empty); err != nil {
		t.Error(err)
	}
	missing := filepath.Join(dir, "missing")
	if _, err := Residency(missing); err == nil {
		t.Error("Residency(missing): no error")
	}
	if err := Warm(missing); err == nil {
		t.Error("Warm(missing): no error")
	}
	if err := Evict(missing); err == nil {
		t.Error("Evict(missing): no error")
	}
	if tmp, err := IsTmpfs("/dev/shm"); err == nil && !tmp {
		t.Logf("/dev/shm is not tmpfs here")
	}
}
