package scenarios

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// The Rust the page shows is real Rust: these tests compile it with rustc and run it. They
// skip without rustc, unless INTERLEAVE_REQUIRE_RUSTC=1 (as in CI), where a missing rustc
// fails them. INTERLEAVE_RUSTC names a rustc to use.

// Guards: they turn a hang into an answer; nothing asserts how long rustc or a program takes.
const (
	compileGuard = 2 * time.Minute
	rustRunGuard = 10 * time.Second
)

// rustc finds rustc: INTERLEAVE_RUSTC, then PATH, then where rustup puts it.
func rustc(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("INTERLEAVE_RUSTC"); p != "" {
		return p
	}
	if p, err := exec.LookPath("rustc"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, ".cargo", "bin", "rustc"); isExecutable(p) {
			return p
		}
	}
	if os.Getenv("INTERLEAVE_REQUIRE_RUSTC") == "1" {
		t.Fatal("INTERLEAVE_REQUIRE_RUSTC=1 but no rustc found: install Rust (rustup) or set INTERLEAVE_RUSTC")
	}
	t.Skip("no rustc found (install Rust, or set INTERLEAVE_RUSTC); skipping the test of the Rust originals")
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// rustProgram is src as a program: a snippet (no fn main) becomes main's body, use lines and
// all, which Rust allows inside a function.
func rustProgram(src string) string {
	if strings.Contains(src, "fn main(") {
		return src
	}
	return "fn main() {\n" + src + "\n}\n"
}

// compileRust compiles src with rustc into t's temporary directory, warnings refused, and
// returns the binary, or rustc's complaint.
func compileRust(t *testing.T, rustc, src string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	file, bin := filepath.Join(dir, "main.rs"), filepath.Join(dir, "main")
	if err := os.WriteFile(file, []byte(rustProgram(src)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), compileGuard)
	defer cancel()
	out, err := exec.CommandContext(ctx, rustc, "--edition", "2021", "-D", "warnings", "-o", bin, file).CombinedOutput()
	if err != nil {
		return "", errors.New(string(out) + err.Error())
	}
	return bin, nil
}

// rustOutcome is how a run of a Rust program went.
type rustOutcome struct {
	stdout   string
	panicked string // the panic message, "" when it did not panic
	hung     bool   // it was still running at the guard and was killed
}

// runRust runs bin and reads its output and panic message.
func runRust(t *testing.T, bin string) rustOutcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rustRunGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "RUST_BACKTRACE=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := rustOutcome{stdout: stdout.String(), hung: ctx.Err() != nil}
	if err != nil && !out.hung {
		out.panicked = panicMessage(stderr.String())
		if out.panicked == "" {
			t.Fatalf("it failed without a panic: %v\n%s", err, stderr.String())
		}
	}
	return out
}

// panicMessage finds the message in what a panicking Rust program writes to stderr:
// "thread 'main' (1234) panicked at main.rs:14:19:" and the message on the next line.
func panicMessage(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "thread '") && strings.Contains(l, " panicked at ") && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

func TestRustOriginalsCompileAndPrintWhatTheCatalogSays(t *testing.T) {
	rustc := rustc(t)
	for _, s := range New().All() {
		t.Run(s.ID, func(t *testing.T) {
			t.Parallel()
			bin, err := compileRust(t, rustc, s.Rust)
			if err != nil {
				t.Fatalf("rustc refuses %s's Rust:\n%v", s.ID, err)
			}
			out := runRust(t, bin)
			if out.hung {
				if s.RustRun.MayHang {
					t.Logf("still running after %s: a deadlock, which this one may have", rustRunGuard)
					return
				}
				t.Fatalf("still running after %s", rustRunGuard)
			}
			if err := s.RustRun.Check(out.stdout, out.panicked); err != nil {
				t.Errorf("%s's Rust: %v", s.ID, err)
			}
		})
	}
}

// What the stage says of Rust beyond the scenarios' own originals: the panic of a borrow
// while mutably borrowed, and that Cell and RefCell are not Sync (its not-sync events).
func TestRustSaysWhatTheStageSaysItDoes(t *testing.T) {
	rustc := rustc(t)
	for _, tc := range []struct {
		name, src   string
		panics      string // the message it panics with
		refusedWith string // or rustc's error, which it does not compile with
	}{
		{"borrow while mutably borrowed", `use std::cell::RefCell;
let data = RefCell::new(1);
let _m = data.borrow_mut();
let _r = data.borrow();`, stage.AlreadyMutablyBorrowed, ""},
		{"borrow_mut while borrowed", `use std::cell::RefCell;
let data = RefCell::new(1);
let _r = data.borrow();
let _m = data.borrow_mut();`, stage.AlreadyBorrowed, ""},
		{"a Cell shared between threads", `use std::cell::Cell;
let data = Cell::new(10);
std::thread::scope(|s| {
    s.spawn(|| data.set(20));
});`, "", "error[E0277]: `Cell<i32>` cannot be shared between threads safely"},
		{"a RefCell shared between threads", `use std::cell::RefCell;
let data = RefCell::new(vec![1]);
std::thread::scope(|s| {
    s.spawn(|| data.borrow().len());
});`, "", "error[E0277]: `RefCell<Vec<i32>>` cannot be shared between threads safely"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin, err := compileRust(t, rustc, tc.src)
			if tc.refusedWith != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusedWith) {
					t.Fatalf("rustc should refuse it with %q; it said: %v", tc.refusedWith, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("rustc refuses it:\n%v", err)
			}
			if out := runRust(t, bin); out.panicked != tc.panics {
				t.Errorf("it panicked with %q, want %q (output %q, hung %v)", out.panicked, tc.panics, out.stdout, out.hung)
			}
		})
	}
}

// RustRun.Check is what the tests above rest on: it must refuse what is not so.
func TestRustRunCheck(t *testing.T) {
	anyOrder := RustRun{Prints: []string{"Got: 0", "Got: 1", `Got: \d`}, AnyOrder: true}
	for _, tc := range []struct {
		name     string
		run      RustRun
		stdout   string
		panicked string
		ok       bool
	}{
		{"the lines", RustRun{Prints: []string{"a", "b"}}, "a\nb\n", "", true},
		{"out of order", RustRun{Prints: []string{"a", "b"}}, "b\na\n", "", false},
		{"a line too many", RustRun{Prints: []string{"a"}}, "a\nb\n", "", false},
		{"a line short", RustRun{Prints: []string{"a", "b"}}, "a\n", "", false},
		{"a pattern matches the whole line", RustRun{Prints: []string{`Got: \d`}}, "Got: 12\n", "", false},
		{"nothing, as said", RustRun{}, "", "", true},
		{"any order", anyOrder, "Got: 1\nGot: 7\nGot: 0\n", "", true},
		// Got: 1 first takes the loose pattern in a greedy match; every line still finds one.
		{"any order, overlapping patterns", RustRun{Prints: []string{`Got: \d`, "Got: 1"}, AnyOrder: true}, "Got: 1\nGot: 2\n", "", true},
		{"any order, a line no pattern is left for", anyOrder, "Got: 1\nGot: 1\nGot: 1\n", "", false},
		{"the panic", RustRun{Prints: []string{"a"}, Panic: "RefCell already borrowed"}, "a\n", "RefCell already borrowed", true},
		{"another panic", RustRun{Panic: "RefCell already borrowed"}, "", "already borrowed: BorrowMutError", false},
		{"no panic where one is due", RustRun{Panic: "boom"}, "", "", false},
		{"a panic where none is due", RustRun{}, "", "boom", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run.Check(tc.stdout, tc.panicked); (err == nil) != tc.ok {
				t.Errorf("Check(%q, %q) = %v; want ok %v", tc.stdout, tc.panicked, err, tc.ok)
			}
		})
	}
	if got := panicMessage("thread 'main' (6185) panicked at main.rs:7:18:\nRefCell already borrowed\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"); got != "RefCell already borrowed" {
		t.Errorf("panicMessage = %q", got)
	}
}

// A counterpart is worth its place only on a Go line that lights: every paired line is the
// line of some event in the scenario's seeded runs.
func TestCounterpartsAreLinesThatLight(t *testing.T) {
	for _, s := range New().All() {
		lit := map[int]bool{}
		for _, vals := range valueSets(s) {
			if big(s, vals) && skipBig() != "" {
				continue // a wide param's maximum lights the lines its smaller values do
			}
			r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, Processors: 4}, vals)
			<-r.Done()
			for _, e := range r.Events(0, nil) {
				lit[e.Line] = true
			}
		}
		if len(s.rustLines) == 0 {
			t.Errorf("%s pairs none of its Go lines with Rust ones", s.ID)
		}
		goLines := strings.Split(s.Source, "\n")
		for goLine, rustLine := range s.rustLines {
			if !lit[goLine] {
				t.Errorf("%s: Go line %d (%q), paired with Rust line %d, is no event's line", s.ID, goLine,
					strings.TrimSpace(goLines[goLine-s.SourceLine]), rustLine)
			}
			if s.RustLineOf(goLine) != rustLine {
				t.Errorf("%s: RustLineOf(%d) = %d, want %d", s.ID, goLine, s.RustLineOf(goLine), rustLine)
			}
		}
		if s.RustLineOf(0) != 0 || s.RustLineOf(s.SourceLine-1) != 0 {
			t.Errorf("%s: a line outside the Go has a Rust counterpart", s.ID)
		}
	}
}

func TestPairLines(t *testing.T) {
	base := Scenario{ID: "x", SourceLine: 10, Source: "a := f()\nsend(a)\nsend(b)\nwait()", Rust: "let a = f();\ntx.send(a);\ntx.send(b);\njoin();"}
	for _, tc := range []struct {
		name  string
		pairs []Counterpart
		want  map[int]int // nil: it panics
	}{
		{"in order", []Counterpart{{"f()", "f()"}, {"wait", "join"}}, map[int]int{10: 1, 13: 4}},
		{"a Go text that recurs is looked for after the last pair's line", []Counterpart{{"send", "send(a)"}, {"send", "send(b)"}}, map[int]int{11: 2, 12: 3}},
		{"a Rust text from the last pair's line on", []Counterpart{{"send(a)", "send"}, {"send(b)", "send"}, {"wait", "join"}}, map[int]int{11: 2, 12: 2, 13: 4}},
		{"a Go text not there", []Counterpart{{"close", "send"}}, nil},
		{"a Rust text not there", []Counterpart{{"send", "drop"}}, nil},
		{"out of order", []Counterpart{{"wait", "join"}, {"f()", "f()"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.Counterparts = tc.pairs
			defer func() {
				if err := recover(); (err != nil) != (tc.want == nil) {
					t.Errorf("panic %v; want one: %v", err, tc.want == nil)
				}
			}()
			if got := pairLines(&s); !maps.Equal(got, tc.want) {
				t.Errorf("pairs %v, want %v", got, tc.want)
			}
		})
	}
}
