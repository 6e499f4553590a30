// Command liar stands in for `fanbench exec` in the driver's verification
// tests: it measures nothing and claims to be verified. LIAR=report
// reports a wrong line count; LIAR=text reports the expected answer
// (copied from --expect) but writes a text that is not the answer's.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	var expect, answerOut string
	args := os.Args[1:]
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--expect":
			expect = args[i+1]
		case "--answer-out":
			answerOut = args[i+1]
		}
	}
	var answer map[string]any
	if err := json.Unmarshal([]byte(expect), &answer); err != nil {
		fmt.Fprintln(os.Stderr, "liar: --expect:", err)
		os.Exit(2)
	}
	text := "{}\n"
	if os.Getenv("LIAR") == "report" {
		answer["lines"] = answer["lines"].(float64) + 1
	}
	if err := os.WriteFile(answerOut, []byte(text), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "liar:", err)
		os.Exit(2)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"answer": answer, "verified": true, "elapsed_sec": 0.001})
}
