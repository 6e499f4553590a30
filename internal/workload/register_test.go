package workload

import (
	"strings"
	"testing"
)

// TestRegister: a user workload joins All and is found by Lookup and Names;
// a bad name, a built-in's name, a second registration and a missing New
// are errors that name the workload and leave All as it was.
func TestRegister(t *testing.T) {
	saved := All
	t.Cleanup(func() { All = saved })
	newNone := func() Partial { return &nonePartial{} }
	if err := Register(Workload{Name: "wordfreq", New: newNone}); err != nil {
		t.Fatalf("Register(wordfreq): %v", err)
	}
	w, err := Lookup("wordfreq")
	if err != nil || w.Name != "wordfreq" || w.Verifiable() {
		t.Fatalf("Lookup(wordfreq) = %+v, %v; want the registered workload, without a reference", w, err)
	}
	if got := strings.Join(Names(), ","); got != "count,none,parse,wordfreq" {
		t.Errorf("Names() = %s", got)
	}
	for _, tt := range []struct {
		name string
		w    Workload
		want string
	}{
		{"built-in name", Workload{Name: "parse", New: newNone}, `workload "parse": the name of a built-in workload (built in: count, none, parse); choose another`},
		{"twice", Workload{Name: "wordfreq", New: newNone}, `workload "wordfreq": registered twice`},
		{"upper case", Workload{Name: "WordFreq", New: newNone}, `workload name "WordFreq": want lower-case letters`},
		{"slash", Workload{Name: "a/b", New: newNone}, `workload name "a/b": want`},
		{"equals", Workload{Name: "a=b", New: newNone}, `workload name "a=b": want`},
		{"empty", Workload{Name: "", New: newNone}, `workload name "": want`},
		{"leading digit", Workload{Name: "1x", New: newNone}, `workload name "1x": want`},
		{"41 bytes", Workload{Name: "a" + strings.Repeat("b", 40), New: newNone}, `want lower-case letters`},
		{"no New", Workload{Name: "nonew"}, `workload "nonew": no New function`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(All)
			err := Register(tt.w)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Register(%q) = %v, want an error containing %q", tt.w.Name, err, tt.want)
			}
			if len(All) != before {
				t.Errorf("a refused registration changed All: %d rows, was %d", len(All), before)
			}
		})
	}
	// 40 bytes is the longest name allowed.
	if err := Register(Workload{Name: "a" + strings.Repeat("b", 39), New: newNone}); err != nil {
		t.Errorf("a 40-byte name: %v", err)
	}
}

// TestUserAnswer: the digest is the SHA-256 of the text (worked out with
// sha256sum: printf 'a 1\n' | sha256sum).
func TestUserAnswer(t *testing.T) {
	a := UserAnswer("wordfreq", 12, []byte("a 1\n"))
	want := Answer{Workload: "wordfreq", Bytes: 12, Text: "a 1\n",
		Digest: "6a03830a1811a4a0f43d6bf891c9461728aa0f1b49f389fcdc8b36e67e6560c2"}
	if a.Workload != want.Workload || a.Bytes != want.Bytes || a.Text != want.Text {
		t.Errorf("UserAnswer = %+v", a)
	}
	if a.Digest != want.Digest {
		t.Errorf("digest %s, want %s", a.Digest, want.Digest)
	}
}
