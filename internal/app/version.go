package app

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/fanbench/fanbench/internal/cli"
)

func init() {
	register("version", "print the module version and VCS revision (also --version)", cmdVersion)
}

// fanbenchModule is fanbench's module path: a user's program built with
// cmdline.Main has it as a dependency.
const fanbenchModule = "github.com/fanbench/fanbench"

// readBuildInfo is debug.ReadBuildInfo (a variable for tests).
var readBuildInfo = debug.ReadBuildInfo

// cmdVersion is `fanbench version` and `fanbench --version`.
func cmdVersion(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("version", stdout, stderr, "usage: fanbench version (or fanbench --version)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	bi, ok := readBuildInfo()
	fmt.Fprintln(stdout, versionLine(cli.Program(), bi, ok))
	return nil
}

// versionLine is the one line of `version`: the program's name, its main
// module's path and version (and fanbench's, when the program is another
// module built on it), the VCS revision with its time and "modified" when
// the work tree had changes, and the Go version and platform.
func versionLine(prog string, bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return fmt.Sprintf("%s: no build information (built without module support) %s %s/%s", prog, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	parts := []string{prog, bi.Main.Path + " " + orDevel(bi.Main.Version)}
	if bi.Main.Path != fanbenchModule {
		for _, d := range bi.Deps {
			if d.Path == fanbenchModule {
				v := orDevel(d.Version)
				if d.Replace != nil {
					v += " => " + d.Replace.Path + " " + orDevel(d.Replace.Version)
				}
				parts = append(parts, "on "+fanbenchModule+" "+v)
			}
		}
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if rev := set["vcs.revision"]; rev != "" {
		r := "revision " + rev
		var notes []string
		if t := set["vcs.time"]; t != "" {
			notes = append(notes, t)
		}
		if set["vcs.modified"] == "true" {
			notes = append(notes, "modified")
		}
		if len(notes) > 0 {
			r += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, r)
	} else {
		parts = append(parts, "no VCS revision")
	}
	goVersion := bi.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	parts = append(parts, goVersion+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return strings.Join(parts, ", ")
}

// orDevel is a module version, "(devel)" when there is none.
func orDevel(v string) string {
	if v == "" {
		return "(devel)"
	}
	return v
}
