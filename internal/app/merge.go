package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/runner"
)

func init() {
	register("merge", "join the shard folders of `run --shard K/N` into one results folder", cmdMerge)
}

// cmdMerge is "fanbench merge SHARD_DIR... --out DIR": it checks that the
// folders are the shards of one experiment (runner.CheckShards: exit 2
// naming the folder and the reason otherwise) and writes the merged
// folder, its claims judged per machine; failed claims exit 1 unless
// --advisory-claims.
func cmdMerge(stdout, stderr io.Writer, args []string) error {
	flags := cli.NewFlagSet("merge", stdout, stderr, "usage: fanbench merge [flags] SHARD_DIR... --out DIR")
	out := flags.String("out", "", "the merged results folder to write (must not exist)")
	allowMissing := flags.Bool("allow-missing", false, "merge without absent shards or runs (recorded in merge.json; the folder reads as incomplete)")
	advisory := flags.Bool("advisory-claims", false, "report failed claims without failing the command")
	pos, err := cli.Parse(flags, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) == 0 {
		return usagef("want the shard folders to merge (fanbench merge SHARD_DIR... --out DIR)")
	}
	if *out == "" {
		return usagef("flag --out: missing: give the merged results folder to write")
	}
	if _, err := os.Lstat(*out); err == nil {
		return usagef("flag --out: %s exists: merge writes a new folder", *out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return usagef("flag --out: %v", err)
	}
	set, err := runner.CheckShards(pos, *allowMissing)
	if err != nil {
		return usagef("%v", err)
	}
	verdicts, err := set.Write(*out)
	if err != nil {
		return err
	}
	rec := set.Record()
	fmt.Fprintf(stdout, "merged: %s (%d of %d shards, %d of %d runs; machines: %s)\n",
		*out, len(rec.Shards), rec.N, rec.Runs, rec.Planned, strings.Join(set.Machines(), "; "))
	if len(rec.Missing) > 0 || len(rec.Incomplete) > 0 {
		fmt.Fprintf(stdout, "incomplete: %d of %d runs (shards missing: %s; recorded in %s)\n",
			rec.Runs, rec.Planned, rec.Gaps(), runner.MergeFileName)
	}
	groups := results.GroupVerdicts(verdicts)
	failed := writeClaimSummary(stdout, groups)
	if failed > 0 && !*advisory {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d claims failed", failed, len(groups))}
	}
	return nil
}
