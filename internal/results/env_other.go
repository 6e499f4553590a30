//go:build !linux

package results

import (
	"errors"
	"runtime"
)

var errNotLinux = errors.New("only recorded on Linux, not " + runtime.GOOS)

func uname() (kernel, machine string, err error) { return "", "", errNotLinux }

func fsType(path string) (string, error) { return "", errNotLinux }
