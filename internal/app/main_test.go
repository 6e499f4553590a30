package app

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpExitsZero: "fanbench CMD --help", "fanbench CMD -h" and
// "fanbench help CMD" print the command's usage and exit 0, for every
// public command.
func TestHelpExitsZero(t *testing.T) {
	for name := range commands {
		if name == "worker" { // internal: started by fanbench itself, not by people
			continue
		}
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				if status := Run(&stdout, &stderr, args); status != 0 {
					t.Errorf("exit status %d, want 0; stderr: %s", status, stderr.String())
				}
				if !strings.Contains(stdout.String()+stderr.String(), "usage: fanbench "+name) {
					t.Errorf("no usage of %s printed; stdout %q stderr %q", name, stdout.String(), stderr.String())
				}
				if strings.Contains(stderr.String(), "help requested") {
					t.Errorf("stderr reports help as an error: %q", stderr.String())
				}
			})
		}
	}
}
