package params

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

var testSpecs = []Spec{
	{Name: "steps", Default: 300, Quick: 3, Help: "training steps"},
	{Name: "lr", Default: 1e-3, Help: "learning rate"},
	{Name: "verbose", Default: false, Help: "talk more"},
	{Name: "dataset", Default: "mnist", Quick: "tiny", Help: "dataset name"},
	{Name: "budget", Default: 10 * time.Minute, Help: "time budget"},
	{Name: ParamQuick, Default: false, Help: "quick mode"},
}

func TestLearningRateKeyMatchesGoMLX(t *testing.T) {
	if ParamLearningRate != optimizer.ParamLearningRate {
		t.Fatalf("ParamLearningRate=%q but GoMLX optimizers read %q", ParamLearningRate, optimizer.ParamLearningRate)
	}
}

func TestDefineWritesDefaults(t *testing.T) {
	t.Setenv(EnvQuick, "")
	store, err := NewStore(testSpecs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want any
	}{
		{"steps", 300}, {"lr", 1e-3}, {"verbose", false}, {"dataset", "mnist"}, {"budget", 10 * time.Minute}, {ParamQuick, false},
	} {
		got, ok := store.RootScope().GetParam(tc.name)
		if !ok || got != tc.want {
			t.Errorf("param %q = %v (%T, found=%v), want %v (%T)", tc.name, got, got, ok, tc.want, tc.want)
		}
	}
	// GoMLX's own accessor sees the same values.
	if got := model.GetRootParamOr(store, "lr", 0.0); got != 1e-3 {
		t.Errorf("model.GetRootParamOr(lr)=%v, want 1e-3", got)
	}
	if got, err := Get[int](store, "steps"); err != nil || got != 300 {
		t.Errorf("Get[int](steps)=%v, %v", got, err)
	}
	if _, err := Get[string](store, "steps"); err == nil || !strings.Contains(err.Error(), "not a string") {
		t.Errorf("Get[string](steps): err=%v, want a type error", err)
	}
	if _, err := Get[int](store, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Get(nope): err=%v, want it to name the parameter", err)
	}
}

func TestDefineErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		specs []Spec
		want  string
	}{
		{"empty name", []Spec{{Name: "", Default: 1}}, "empty Name"},
		{"dash", []Spec{{Name: "-x", Default: 1}}, "not usable as a flag"},
		{"equals", []Spec{{Name: "a=b", Default: 1}}, "not usable as a flag"},
		{"scope", []Spec{{Name: "a/b", Default: 1}}, "not usable as a flag"},
		{"int64", []Spec{{Name: "a", Default: int64(1)}}, "int64"},
		{"float32", []Spec{{Name: "a", Default: float32(1)}}, "float32"},
		{"nil", []Spec{{Name: "a"}}, "<nil>"},
		{"quick type", []Spec{{Name: "a", Default: 1, Quick: 1.5}}, "quick default of type float64"},
		{"twice", []Spec{{Name: "a", Default: 1}, {Name: "a", Default: 1}}, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			err := Define(store, tc.specs...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Define: err=%v, want it to contain %q", err, tc.want)
			}
			if n := len(Specs(store)); n != 0 {
				t.Errorf("a failing Define left %d specs defined", n)
			}
		})
	}
}

func TestRedefine(t *testing.T) {
	store, err := NewStore(Spec{Name: "a", Default: 1, Help: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Define(store, Spec{Name: "a", Default: 1, Help: "h"}); err != nil {
		t.Errorf("identical redefinition: %v", err)
	}
	if err := Define(store, Spec{Name: "a", Default: 2, Help: "h"}); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Errorf("different redefinition: err=%v, want 'already defined'", err)
	}
	if n := len(Specs(store)); n != 1 {
		t.Errorf("len(Specs)=%d, want 1", n)
	}
}

func TestDefineKeepsExistingValues(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing any
		spec     Spec
		want     any
		wantErr  string
	}{
		{"same type kept", 7, Spec{Name: "p", Default: 1}, 7, ""},
		{"integral float to int", 7.0, Spec{Name: "p", Default: 1}, 7, ""},
		{"int to float", 3, Spec{Name: "p", Default: 0.5}, 3.0, ""},
		{"fractional float to int", 7.5, Spec{Name: "p", Default: 1}, nil, "not a int"},
		{"string to bool", "yes", Spec{Name: "p", Default: false}, nil, "not a bool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			store.RootScope().SetParam("p", tc.existing)
			err := Define(store, tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err=%v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := store.RootScope().GetParam("p")
			if got != tc.want {
				t.Errorf("value %v (%T), want %v (%T)", got, got, tc.want, tc.want)
			}
		})
	}
}

func TestFlagsAllKinds(t *testing.T) {
	t.Setenv(EnvQuick, "")
	store, err := NewStore(testSpecs...)
	if err != nil {
		t.Fatal(err)
	}
	fs := newFlagSet()
	if err := RegisterFlags(fs, store); err != nil {
		t.Fatal(err)
	}
	args := []string{"--steps=1_000", "-lr", "2.5e-4", "--verbose", "--dataset=fashion", "--budget=90s", "rest"}
	if err := Parse(fs, args); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"steps": 1000, "lr": 2.5e-4, "verbose": true, "dataset": "fashion", "budget": 90 * time.Second}
	for name, w := range want {
		if got, _ := store.RootScope().GetParam(name); got != w {
			t.Errorf("after parsing, %s=%v (%T), want %v (%T)", name, got, got, w, w)
		}
	}
	if got := fs.Args(); len(got) != 1 || got[0] != "rest" {
		t.Errorf("positional args %v, want [rest]", got)
	}
	// Integral floats are accepted for ints.
	if err := Parse(fs, []string{"--steps=1e4"}); err != nil || MustGet[int](store, "steps") != 10000 {
		t.Errorf("--steps=1e4: err=%v steps=%v", err, MustGet[int](store, "steps"))
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--stepz=3"}, []string{"flag provided but not defined: -stepz", "known flags:", "-steps", "-lr"}},
		{[]string{"--steps=abc"}, []string{`"abc" is not an integer`, "-steps"}},
		{[]string{"--steps=2.5"}, []string{`"2.5" is not an integer`}},
		{[]string{"--lr=fast"}, []string{`"fast" is not a number`}},
		{[]string{"--verbose=maybe"}, []string{"not a boolean"}},
		{[]string{"--budget=10"}, []string{"not a duration"}},
	} {
		store, err := NewStore(testSpecs...)
		if err != nil {
			t.Fatal(err)
		}
		fs := newFlagSet()
		if err := RegisterFlags(fs, store); err != nil {
			t.Fatal(err)
		}
		err = Parse(fs, tc.args)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%v): err=%v, want it to contain %q", tc.args, err, w)
			}
		}
		if got := MustGet[int](store, "steps"); got != 300 {
			t.Errorf("Parse(%v) failed but changed steps to %d", tc.args, got)
		}
	}
}

func TestRegisterFlagsErrors(t *testing.T) {
	store, err := NewStore(Spec{Name: "steps", Default: 1})
	if err != nil {
		t.Fatal(err)
	}
	fs := newFlagSet()
	fs.Int("steps", 0, "someone else's flag")
	if err := RegisterFlags(fs, store); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Errorf("clash: err=%v", err)
	}
	if err := RegisterFlags(newFlagSet(), model.NewStore()); err == nil || !strings.Contains(err.Error(), "no defined parameters") {
		t.Errorf("empty store: err=%v", err)
	}
}

func TestQuickMode(t *testing.T) {
	for _, tc := range []struct {
		name        string
		env         string
		args        []string
		wantSteps   int
		wantDataset string
		wantQuick   bool
	}{
		{"full", "", nil, 300, "mnist", false},
		{"env", "1", nil, 3, "tiny", true},
		{"flag", "", []string{"--quick"}, 3, "tiny", true},
		{"flag off over env", "true", []string{"--quick=false"}, 300, "mnist", false},
		{"explicit before quick", "", []string{"--steps=50", "--quick"}, 50, "tiny", true},
		{"explicit after quick", "", []string{"--quick", "--steps=50"}, 50, "tiny", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvQuick, tc.env)
			store, err := NewStore(testSpecs...) // ParamQuick is last in testSpecs: order must not matter.
			if err != nil {
				t.Fatal(err)
			}
			fs := newFlagSet()
			if err := RegisterFlags(fs, store); err != nil {
				t.Fatal(err)
			}
			if err := Parse(fs, tc.args); err != nil {
				t.Fatal(err)
			}
			if got := MustGet[int](store, "steps"); got != tc.wantSteps {
				t.Errorf("steps=%d, want %d", got, tc.wantSteps)
			}
			if got := MustGet[string](store, "dataset"); got != tc.wantDataset {
				t.Errorf("dataset=%q, want %q", got, tc.wantDataset)
			}
			if got := MustGet[bool](store, ParamQuick); got != tc.wantQuick {
				t.Errorf("quick=%v, want %v", got, tc.wantQuick)
			}
		})
	}
}

func TestQuickWithoutQuickParamFollowsEnv(t *testing.T) {
	t.Setenv(EnvQuick, "yes")
	store, err := NewStore(Spec{Name: "n", Default: 100, Quick: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := MustGet[int](store, "n"); got != 2 {
		t.Errorf("n=%d, want the quick default 2", got)
	}
	if err := SetQuick(store, false); err == nil {
		t.Error("SetQuick on a store without the quick parameter should fail")
	}
}

func TestSet(t *testing.T) {
	store, err := NewStore(testSpecs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := Set(store, "lr", "0.5"); err != nil || MustGet[float64](store, "lr") != 0.5 {
		t.Errorf("Set(lr): %v", err)
	}
	if err := Set(store, "nope", "1"); err == nil || !strings.Contains(err.Error(), "defined: budget, dataset, lr, quick, steps, verbose") {
		t.Errorf("Set(nope): err=%v", err)
	}
}

func TestMerge(t *testing.T) {
	base := Common()
	got := Merge(base, Spec{Name: ParamSteps, Default: 5}, Spec{Name: "atoms", Default: 20})
	if len(got) != len(base)+1 {
		t.Fatalf("len=%d, want %d", len(got), len(base)+1)
	}
	i := -1
	for j, s := range base {
		if s.Name == ParamSteps {
			i = j
		}
	}
	if got[i].Default != 5 || got[len(got)-1].Name != "atoms" {
		t.Errorf("Merge result %+v", got)
	}
	if base[i].Default == 5 {
		t.Error("Merge modified its input")
	}
}

func TestCommonDefines(t *testing.T) {
	t.Setenv(EnvQuick, "")
	store, err := NewStore(Common()...)
	if err != nil {
		t.Fatal(err)
	}
	if got := MustGet[float64](store, ParamLearningRate); got != 1e-3 {
		t.Errorf("learning_rate=%v", got)
	}
	if got := MustGet[time.Duration](store, ParamTimeBudget); got != 0 {
		t.Errorf("time_budget=%v", got)
	}
}

func TestTable(t *testing.T) {
	t.Setenv(EnvQuick, "")
	store, err := NewStore(testSpecs...)
	if err != nil {
		t.Fatal(err)
	}
	store.RootScope().SetParam("optimizer", "adam")              // set by other code
	store.Scope("/encoder").SetParam("activation", "leaky_relu") // not root: not listed
	if err := Set(store, "steps", "7"); err != nil {
		t.Fatal(err)
	}
	header, rows := Table(store)
	if strings.Join(header, ",") != "parameter,value,default,help" {
		t.Errorf("header %v", header)
	}
	if len(rows) != len(testSpecs)+1 {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(testSpecs)+1, rows)
	}
	if r := rows[0]; r[0] != "steps" || r[1] != "7 *" || r[2] != "300" || r[3] != "training steps" {
		t.Errorf("row 0 = %q", r)
	}
	if r := rows[1]; r[1] != "0.001" || r[2] != "0.001" {
		t.Errorf("row 1 = %q, want unmarked 0.001", r)
	}
	if r := rows[4]; r[1] != "10m0s" {
		t.Errorf("duration row = %q", r)
	}
	if r := rows[len(rows)-1]; r[0] != "optimizer" || r[1] != "adam" || r[2] != "" {
		t.Errorf("extra row = %q", r)
	}
}

func TestMustCommandLine(t *testing.T) {
	store := MustCommandLine(Spec{Name: "params_test_only_flag", Default: 3, Help: "x"})
	f := flag.CommandLine.Lookup("params_test_only_flag")
	if f == nil {
		t.Fatal("flag not registered on flag.CommandLine")
	}
	if err := f.Value.Set("9"); err != nil || MustGet[int](store, "params_test_only_flag") != 9 {
		t.Errorf("Set through flag.CommandLine: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustCommandLine with a clashing name did not panic")
		}
	}()
	MustCommandLine(Spec{Name: "params_test_only_flag", Default: 3})
}
