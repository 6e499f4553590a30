# fanbench: make bench runs the default experiment; make test runs the tests.
SHELL := /bin/bash
GO        ?= go
FANBENCH  := bin/fanbench
BENCHSTAT := $(GO) run golang.org/x/perf/cmd/benchstat
EXPERIMENT ?= experiments/default.toml
# make bench reports claims without failing on them (timing claims depend on
# how busy the machine is); CLAIMS_FLAGS= makes a failed claim fail the target.
CLAIMS_FLAGS ?= --advisory-claims

.PHONY: all build test test-long bench bench-suite example fixtures plots compare history fuzz clean

all: build

build:
	$(GO) build -o $(FANBENCH) ./cmd/fanbench

# gofmt check, go vet, go.mod tidy, and the race-enabled tests (fuzz seed
# corpora included). -short leaves out the long tests (the headless-browser
# report check, the real benchstat, the longer randomized runs); SHORT= keeps them.
# -timeout 30m: under -race on a busy 2-core machine the strategy tests alone
# have taken 10 minutes, go test's default limit for a package.
SHORT ?= -short
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	$(GO) test -race -timeout 30m $(SHORT) ./...

# make test with the long tests too: what .ci/run runs. Under CI=true a test
# whose tool (Chromium, GNU time, benchstat) is missing fails instead of skipping.
test-long:
	$(MAKE) test SHORT=

# The default experiment: fixtures, runs, results folder, benchstat summary, charts and report.
bench: build
	$(FANBENCH) run $(CLAIMS_FLAGS) $(EXPERIMENT) | tee /tmp/fanbench-run.$$$$.log; \
	status=$${PIPESTATUS[0]}; \
	dir=$$(sed -n 's/^results: \([^ ]*\) .*/\1/p' /tmp/fanbench-run.$$$$.log); rm -f /tmp/fanbench-run.$$$$.log; \
	if [ -n "$$dir" ]; then \
	  $(BENCHSTAT) -col /strategy $$dir/results.bench > $$dir/benchstat.txt; \
	  $(BENCHSTAT) -col /strategy -filter '/workload:count' $$dir/results.bench > $$dir/benchstat-count.txt; \
	  head -40 $$dir/benchstat-count.txt; echo "full table: $$dir/benchstat.txt"; \
	  $(FANBENCH) report $$dir; \
	fi; exit $$status

# The Go benchmark suites over the strategies, into results/suite/<time>/results.bench.
bench-suite:
	@dir=results/suite/$$(date -u +%Y%m%dT%H%M%SZ); mkdir -p $$dir; \
	$(GO) test -run '^$$' -bench . -count $${COUNT:-6} ./bench | tee $$dir/results.bench; \
	$(BENCHSTAT) -col /strategy $$dir/results.bench

# The example of a user's own workload (examples/wordfreq): built, and its
# tiny spec run by the whole harness in both modes, every run verified.
example:
	$(GO) build -o bin/wordfreq ./examples/wordfreq
	bin/wordfreq run examples/wordfreq/testdata/tiny.toml

fixtures: build
	$(FANBENCH) gen --size 16MiB --size 256MiB --size 1GiB

# Charts and the report of the newest results folder (report draws the charts too).
plots: build
	@dir=$$(ls -td results/*/*/ | grep -v /ab-builds/ | head -1); $(FANBENCH) report $$dir

# The regression gate (docs/ci.md): BASE against HEAD in one experiment, in
# adjacent pairs on this machine (fanbench ab); there is no stored baseline,
# which would have been measured on another machine or at another load.
# PKG is the main package built at each revision and the program that runs
# ab (for a program of your own: its folder, and AB_SPEC a spec of its
# workloads); AB_FLAGS adds flags, e.g. AB_FLAGS="--gate 'allocs:+5%'".
# Exit 1 when a gated metric is worse, 2 on bad input or a failed build.
BASE    ?= HEAD~1
HEAD    ?= HEAD
PKG     ?= ./cmd/fanbench
AB_SPEC ?= experiments/ab.toml
compare:
	$(GO) build -o bin/ab-driver $(PKG)
	bin/ab-driver ab --pkg $(PKG) $(AB_FLAGS) $(BASE) $(HEAD) $(AB_SPEC)

# Record the newest results folder in results/history.jsonl, gated against
# the previous entry of its experiment, and chart the history.
HISTORY_FLAGS ?= --gate 'sec/op:+10%'

history: build
	@dir=$$(ls -td results/*/*/ | grep -v /ab-builds/ | head -1); \
	$(FANBENCH) history add $(HISTORY_FLAGS) $$dir && $(FANBENCH) history plot

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSplit -fuzztime $${FUZZTIME:-1m} ./internal/split
	$(GO) test -run '^$$' -fuzz FuzzChunks -fuzztime $${FUZZTIME:-1m} ./fanout
	$(GO) test -run '^$$' -fuzz FuzzWorkloads -fuzztime $${FUZZTIME:-1m} ./internal/workload
	$(GO) test -run '^$$' -fuzz FuzzUTF16Compare -fuzztime $${FUZZTIME:-1m} ./internal/workload
	$(GO) test -run '^$$' -fuzz FuzzParseSize -fuzztime $${FUZZTIME:-1m} ./internal/units
	$(GO) test -run '^$$' -fuzz FuzzReadRuns -fuzztime $${FUZZTIME:-1m} ./internal/results
	$(GO) test -run '^$$' -fuzz FuzzKnobsText -fuzztime $${FUZZTIME:-1m} ./internal/strategy
	$(GO) test -run '^$$' -fuzz FuzzAnswers -fuzztime $${FUZZTIME:-1m} ./examples/wordfreq

# Generated charts go; plots/readme (the charts README.md and docs/ show) stays.
clean:
	rm -rf bin
	find plots -mindepth 1 -maxdepth 1 ! -name readme -exec rm -rf {} + 2>/dev/null || true
