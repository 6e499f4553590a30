// Command toucher is a helper for the runner's measurement tests. It reads
// its own VmHWM, allocates and touches -mib MiB (one write per page), reads
// VmHWM again and prints both as one JSON line. With -spawn it first starts a
// sleeping copy of itself (a grandchild of the launcher; with -setsid in a
// new session, out of the launcher's process group), and -hold keeps it
// alive afterwards, so that the tests can check that a timeout kills the
// whole tree. -panic makes it panic at once, for the driver's failure tests.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Report is what toucher prints.
type Report struct {
	PID        int    `json:"pid"`
	PGID       int    `json:"pgid"`
	MiB        int    `json:"mib"`
	HWMBefore  int64  `json:"hwm_before"` // bytes
	HWMAfter   int64  `json:"hwm_after"`  // bytes
	RSSAfter   int64  `json:"rss_after"`  // bytes
	Grandchild int    `json:"grandchild,omitempty"`
	Cgroup     string `json:"cgroup"` // this process's memory cgroup line(s) from /proc/self/cgroup
}

func main() {
	mib := flag.Int("mib", 0, "MiB to allocate and touch")
	spawn := flag.Bool("spawn", false, "start a sleeping copy of this program first")
	setsid := flag.Bool("setsid", false, "with -spawn: start the copy in a new session (its own process group)")
	hold := flag.Duration("hold", 0, "sleep this long after reporting, the touched memory still resident")
	panicMsg := flag.String("panic", "", "panic with this message instead of doing anything else")
	flag.Parse()
	if *panicMsg != "" {
		panic(*panicMsg)
	}

	rep := Report{PID: os.Getpid(), PGID: syscall.Getpgrp(), MiB: *mib, Cgroup: memCgroup()}
	if *spawn {
		cmd := exec.Command(os.Args[0], "-hold", "10m")
		if *setsid {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		}
		if err := cmd.Start(); err != nil {
			fail(err)
		}
		rep.Grandchild = cmd.Process.Pid
	}
	var err error
	if rep.HWMBefore, _, err = status(); err != nil {
		fail(err)
	}
	buf := make([]byte, *mib<<20)
	page := os.Getpagesize()
	for i := 0; i < len(buf); i += page {
		buf[i] = 1
	}
	if rep.HWMAfter, rep.RSSAfter, err = status(); err != nil {
		fail(err)
	}
	b, _ := json.Marshal(rep)
	os.Stdout.Write(append(b, '\n'))
	if *hold > 0 {
		time.Sleep(*hold)
	}
	runtime.KeepAlive(buf) // touched memory stays resident while holding
}

// status returns VmHWM and VmRSS from /proc/self/status, in bytes.
func status() (hwm, rss int64, err error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, 0, fmt.Errorf("/proc/self/status: bad %s line %q", k, v)
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/self/status: %s: %v", k, err)
		}
		if k == "VmHWM" {
			hwm = n << 10
		} else {
			rss = n << 10
		}
	}
	if hwm == 0 {
		return 0, 0, fmt.Errorf("/proc/self/status: no VmHWM")
	}
	return hwm, rss, sc.Err()
}

// memCgroup returns the memory cgroup lines of /proc/self/cgroup (v1
// "N:memory:/path" or v2 "0::/path").
func memCgroup() string {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if f := strings.SplitN(l, ":", 3); len(f) == 3 && (strings.Contains(","+f[1]+",", ",memory,") || f[1] == "") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "toucher:", err)
	os.Exit(1)
}
