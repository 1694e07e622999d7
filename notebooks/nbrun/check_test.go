package nbrun

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckFixtures(t *testing.T) {
	for _, tc := range []struct {
		file         string
		ok           bool
		images       int
		tables       int
		statuses     string   // per code cell
		wantProblems []string // substrings, each must appear in some problem
		problemCount int
	}{
		{
			file: "clean.ipynb.json", ok: true, images: 3, tables: 2, statuses: "ok,ok,empty",
		},
		{
			file: "panic.ipynb.json", images: 0, tables: 0, statuses: "ok,failed,ok",
			wantProblems: []string{`cell 1 (id boom) "%%": stderr: panic: boom`, "stderr: exit status 2", "error output ERROR: exit status 2"},
			problemCount: 3,
		},
		{
			file: "exit_status.ipynb.json", statuses: "failed",
			wantProblems: []string{`cell 0 (id shell) "!echo hi; exit 2": stderr: exit status 2`},
			problemCount: 1,
		},
		{
			file: "missing_images.ipynb.json", images: 1, statuses: "ok,not run",
			wantProblems: []string{
				"expected at least 3 images (metadata sparselab.expect.images), got 1",
				"expected at least 1 tables (metadata sparselab.expect.tables), got 0",
				`expected the text "PSNR"`,
				`cell 1 (id skipped) "%%": was not executed`,
			},
			problemCount: 4,
		},
		{
			file: "compile_error.ipynb.json", statuses: "failed,failed",
			wantProblems: []string{"error output ERROR: # gonb_16cd1e30", "stderr: signal: interrupt", "stderr: fatal error: all goroutines are asleep"},
			problemCount: 3,
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r, err := Check(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() != tc.ok || (r.Err() == nil) != tc.ok {
				t.Errorf("OK()=%v Err()=%v, want ok=%v; problems:\n%s", r.OK(), r.Err(), tc.ok, strings.Join(r.Problems, "\n"))
			}
			if r.Counts.Images != tc.images || r.Counts.Tables != tc.tables {
				t.Errorf("counts %+v, want images=%d tables=%d", r.Counts, tc.images, tc.tables)
			}
			var statuses []string
			for _, c := range r.Cells {
				statuses = append(statuses, c.Status)
			}
			if got := strings.Join(statuses, ","); got != tc.statuses {
				t.Errorf("cell statuses %s, want %s", got, tc.statuses)
			}
			all := strings.Join(r.Problems, "\n")
			for _, w := range tc.wantProblems {
				if !strings.Contains(all, w) {
					t.Errorf("no problem contains %q; problems:\n%s", w, all)
				}
			}
			if len(r.Problems) != tc.problemCount {
				t.Errorf("%d problems, want %d:\n%s", len(r.Problems), tc.problemCount, all)
			}
			if !tc.ok && !strings.Contains(r.Err().Error(), tc.file) {
				t.Errorf("Err() does not name the notebook: %v", r.Err())
			}
		})
	}
}

func TestCheckCleanDetails(t *testing.T) {
	r, err := Check(filepath.Join("testdata", "clean.ipynb.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Expect == nil || r.Expect.Images != 3 || r.Expect.Tables != 2 || len(r.Expect.Text) != 2 {
		t.Errorf("Expect=%+v", r.Expect)
	}
	if c := r.Cells[0]; c.Duration != 2500*time.Millisecond || c.ExecutionCount != 1 || c.ID != "setup" || c.Index != 1 {
		t.Errorf("cell 0 = %+v, want duration 2.5s, count 1, id setup, index 1", c)
	}
	if c := r.Cells[1]; c.Counts.Images != 3 || c.Counts.Tables != 2 {
		t.Errorf("cell 1 counts %+v", c.Counts)
	}
}

func TestCheckJSONErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"not json", "invalid JSON"},
		{`{"nbformat": 3, "cells": []}`, "nbformat 3"},
	} {
		if _, err := CheckJSON([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckJSON(%q): err=%v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := Check(filepath.Join(t.TempDir(), "absent.ipynb")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("Check(absent): err=%v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestMarkdownTableDetection(t *testing.T) {
	for _, tc := range []struct {
		md   string
		want int
	}{
		{"| a | b |\n|---|---|\n| 1 | 2 |", 1},
		{"a | b\n--- | ---\n1 | 2", 0}, // pipe-less outer borders are not produced by kernelext
		{"| a |\n|:---:|\n", 1},
		{"| a | b |\n| 1 | 2 |", 0},
		{"just text | with a pipe", 0},
	} {
		_, got := classify(output{OutputType: "display_data", Data: map[string]multiline{"text/markdown": multiline(tc.md)}})
		if got != tc.want {
			t.Errorf("classify(%q) tables=%d, want %d", tc.md, got, tc.want)
		}
	}
}

func TestTailAndLastLines(t *testing.T) {
	tb := &tailBuffer{max: 10}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("abc"))
	if got := tb.String(); got != "3456789abc" {
		t.Errorf("tail=%q", got)
	}
	s := "first\nI1125 00:03:33.786 main.go:187] log\nnbclient.exceptions.CellExecutionError: boom\n\nE1125 00:03:34 x] y\n"
	if got := lastLines(s, 2); got != "first | nbclient.exceptions.CellExecutionError: boom" {
		t.Errorf("lastLines=%q", got)
	}
}

// TestCheckGoWork checks that a notebook is refused when the kernel's go.work member is gone or
// is another checkout of sparselab than the notebook's, and allowed otherwise.
func TestCheckGoWork(t *testing.T) {
	root := t.TempDir()
	checkout := func(name, module string) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Join(dir, "notebooks"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// comment\nmodule "+module+"\n\ngo 1.25\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a, b := checkout("a", modulePath), checkout("b", modulePath)
	other := checkout("mine", "example.com/mine")
	nb := func(dir string) string { return filepath.Join(dir, "notebooks", "01.ipynb") }
	for _, tc := range []struct {
		name, notebook, goWork, want string
	}{
		{"same checkout", nb(a), a, ""},
		{"same checkout, through a relative path", nb(a), filepath.Join(a, "notebooks", ".."), ""},
		{"no go.work member", nb(a), "", ""},
		{"a user's own module", nb(other), a, ""},
		{"outside any module", filepath.Join(root, "x.ipynb"), a, ""},
		{"another checkout", nb(b), a, "belongs to the sparselab checkout " + b},
		{"member gone", nb(a), filepath.Join(root, "gone"), "which does not exist"},
	} {
		err := checkGoWork(tc.notebook, tc.goWork, KernelName)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrSetup)):
			t.Errorf("%s: error %v, want an ErrSetup containing %q", tc.name, err, tc.want)
		}
	}
}
