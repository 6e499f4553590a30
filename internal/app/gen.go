package app

import (
	"fmt"
	"io"

	"strings"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

func init() {
	register("gen", "generate (or verify) deterministic fixture files", cmdGen)
}

func cmdGen(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("gen", stdout, stderr, "usage: fanbench gen --size SIZE [--size SIZE ...] [--seed N] [--dir fixtures/data] [--workload W]")
	var sizes multiFlag
	fs.Var(&sizes, "size", "fixture size, e.g. 256MiB (repeatable)")
	seed := fs.Uint64("seed", fixture.DefaultSeed, "generator seed")
	dir := fs.String("dir", fixture.DefaultDir, "fixture folder")
	wname := fs.String("workload", "count", "the workload whose fixtures to make: its own generator if it has one, else the built-in one ("+strings.Join(workload.Names(), ", ")+")")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if len(sizes) == 0 {
		return usagef("flag -size: required (e.g. --size 256MiB)")
	}
	w, err := workload.Lookup(*wname)
	if err != nil {
		return usagef("flag -workload: %v", err)
	}
	var parsed []int64
	for _, s := range sizes {
		n, err := units.ParseSize(s)
		if err != nil {
			return usagef("flag -size: %v", err)
		}
		parsed = append(parsed, n)
	}
	store, err := fixture.Open(*dir)
	if err != nil {
		return err
	}
	store.OnWait = func(pid string) {
		fmt.Fprintf(stderr, "waiting for fanbench pid %s, which holds the fixture folder %s\n", pid, store.Dir)
	}
	for _, n := range parsed {
		f, status, err := store.EnsureFrom(fixture.GeneratorOf(w), n, *seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\tsha256:%s\n", f.Path, units.FormatSize(f.Size), status, f.SHA256[:16])
	}
	return nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
