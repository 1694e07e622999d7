// Package params declares sparselab's hyperparameters and lets command-line flags override them.
//
// Hyperparameters live where GoMLX looks for them: in the root scope of a GoMLX model store
// ([model.Store], read with [model.GetRootParamOr] or [Get]). This package adds what the store
// lacks: a declaration of each parameter ([Spec]: name, type, default, quick-mode default, help),
// and flags of the SAME names, so that one spelling works everywhere:
//
//	sparselab train aae --steps=300 --learning_rate=1e-3      (command line)
//	%% --steps=300 --learning_rate=1e-3                        (a GoNB notebook cell)
//
// Supported types are int, float64, bool, string and [time.Duration]; the type of a parameter is
// the dynamic type of its Spec.Default (write 1.0, not 1, for a float64 parameter).
//
// # Quick mode
//
// Every experiment has a quick configuration (minutes on 2 CPU cores) and a paper configuration.
// A Spec may carry a Quick value: it is the parameter's default while quick mode is on. Quick
// mode is the bool parameter [ParamQuick] when the store defines it, else [QuickFromEnv]. When
// the environment variable [EnvQuick] is set (the notebook runner sets it), its value replaces
// the default of [ParamQuick]. Turning quick mode on or off (flag --quick, or [SetQuick])
// re-applies the defaults of every parameter that was not set explicitly by a flag or by [Set].
//
// Values should be changed through flags or [Set]: a value written directly into the store
// (store.RootScope().SetParam) is not known to be explicit, and a later change of quick mode
// replaces it with the default if the parameter has a Quick value.
//
// # GoNB notebooks
//
// GoNB wraps a `%%` cell in `func main() { flag.Parse(); ... }` on the standard
// [flag.CommandLine], so flags must be registered before main runs, i.e. by a package-level
// declaration. A notebook therefore declares, once, in an early cell:
//
//	var store = params.MustCommandLine(params.Merge(params.Common(),
//		params.Spec{Name: "atoms", Default: 20, Help: "number of atoms"})...)
//
// and later cells run with `%% --steps=50`. An undefined flag makes the cell exit with status 2
// after printing the list of defined flags.
//
// # Command line
//
// A CLI creates its own [flag.FlagSet] (with [flag.ContinueOnError]), calls [RegisterFlags] and
// then [Parse], which wraps unknown-flag errors with the list of known names.
package params

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/gomlx/gomlx/ml/model"
)

// Names of the hyperparameters shared by sparselab's experiments. Model packages declare their
// own names next to their code, with the same conventions (lower_snake_case, used verbatim as
// flag names).
const (
	// ParamSteps is the number of training steps (int).
	ParamSteps = "steps"

	// ParamBatchSize is the number of examples per training step (int).
	ParamBatchSize = "batch_size"

	// ParamLearningRate is the optimizer's learning rate (float64). It is the key GoMLX's
	// optimizers read (optimizer.ParamLearningRate), so setting it here configures them.
	ParamLearningRate = "learning_rate"

	// ParamSeed seeds random initialisation and data shuffling (int).
	ParamSeed = "seed"

	// ParamQuick switches the quick configuration on (bool); see the package documentation.
	ParamQuick = "quick"

	// ParamTimeBudget bounds the wall-clock time of a training run (duration; 0 = no bound).
	// Training loops stop early, and say so, when it is spent.
	ParamTimeBudget = "time_budget"
)

// EnvQuick is the environment variable that turns quick mode on ("1", "true", "yes" or "on").
// The notebook runner (notebooks/nbrun) sets it for quick runs of the notebooks.
const EnvQuick = "SPARSELAB_QUICK"

// QuickFromEnv reports whether the environment variable [EnvQuick] asks for quick mode.
func QuickFromEnv() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvQuick))) {
	case "1", "true", "yes", "on", "t", "y":
		return true
	}
	return false
}

// Common returns the specs of the shared hyperparameters, with generic defaults. Experiments
// adjust them with [Merge].
func Common() []Spec {
	return []Spec{
		{Name: ParamQuick, Default: false, Help: "quick configuration: small sizes that run in minutes on 2 CPU cores (env " + EnvQuick + "=1)"},
		{Name: ParamSteps, Default: 1000, Quick: 20, Help: "number of training steps"},
		{Name: ParamBatchSize, Default: 64, Help: "examples per training step"},
		{Name: ParamLearningRate, Default: 1e-3, Help: "optimizer learning rate"},
		{Name: ParamSeed, Default: 42, Help: "random seed for initialisation and data order"},
		{Name: ParamTimeBudget, Default: time.Duration(0), Help: "stop training after this wall-clock time (0: no limit)"},
	}
}

// Kind is the type of a parameter's value.
type Kind int

// The supported kinds.
const (
	Invalid Kind = iota
	Int
	Float
	Bool
	String
	Duration
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float64"
	case Bool:
		return "bool"
	case String:
		return "string"
	case Duration:
		return "duration"
	}
	return "invalid"
}

// KindOf returns the kind of a value, or Invalid for unsupported types.
func KindOf(v any) Kind {
	switch v.(type) {
	case int:
		return Int
	case float64:
		return Float
	case bool:
		return Bool
	case string:
		return String
	case time.Duration:
		return Duration
	}
	return Invalid
}

// Spec declares one hyperparameter.
type Spec struct {
	// Name is the store key (root scope) and the flag name, e.g. "learning_rate".
	Name string
	// Default is the value used unless overridden; its dynamic type is the parameter's type
	// (int, float64, bool, string or time.Duration).
	Default any
	// Quick, if not nil, is the default in quick mode. It must have the same type as Default.
	Quick any
	// Help is a one-line description, shown by -help and by [Table].
	Help string
}

// Kind returns the parameter's kind, the kind of its Default.
func (s Spec) Kind() Kind { return KindOf(s.Default) }

func (s Spec) validate() error {
	if s.Name == "" {
		return errors.New("params: a Spec has an empty Name")
	}
	if strings.HasPrefix(s.Name, "-") || strings.ContainsAny(s.Name, "= \t\n/") {
		return fmt.Errorf("params: parameter name %q is not usable as a flag (no leading '-', no '=', '/' or spaces)", s.Name)
	}
	k := s.Kind()
	if k == Invalid {
		return fmt.Errorf("params: parameter %q has a default of type %T; use int, float64, bool, string or time.Duration", s.Name, s.Default)
	}
	if s.Quick != nil && KindOf(s.Quick) != k {
		return fmt.Errorf("params: parameter %q has a %s default but a quick default of type %T", s.Name, k, s.Quick)
	}
	return nil
}

// defaultFor returns the default in the given mode. The default of [ParamQuick] itself is
// taken from the environment variable [EnvQuick] when that is set.
func (s Spec) defaultFor(quick bool) any {
	if s.Name == ParamQuick && s.Kind() == Bool && os.Getenv(EnvQuick) != "" {
		return QuickFromEnv()
	}
	if quick && s.Quick != nil {
		return s.Quick
	}
	return s.Default
}

// Merge returns base with each override replacing the spec of the same name (in place) or, if
// base has no such name, appended. Neither input is modified.
func Merge(base []Spec, overrides ...Spec) []Spec {
	out := slices.Clone(base)
	for _, o := range overrides {
		if i := slices.IndexFunc(out, func(s Spec) bool { return s.Name == o.Name }); i >= 0 {
			out[i] = o
		} else {
			out = append(out, o)
		}
	}
	return out
}

// entry is what this package remembers about one store.
type entry struct {
	specs    []Spec
	index    map[string]int
	explicit map[string]bool // set by a flag or by Set: quick-mode changes leave them alone
}

var (
	regMu    sync.Mutex
	registry = map[weak.Pointer[model.Store]]*entry{}
)

// lookup returns the entry of a store, creating it if asked. regMu must be held.
func lookup(store *model.Store, create bool) *entry {
	key := weak.Make(store)
	e := registry[key]
	if e == nil && create {
		e = &entry{index: map[string]int{}, explicit: map[string]bool{}}
		registry[key] = e
		runtime.AddCleanup(store, func(k weak.Pointer[model.Store]) {
			regMu.Lock()
			delete(registry, k)
			regMu.Unlock()
		}, key)
	}
	return e
}

// rootValue returns the value stored directly in the root scope.
func rootValue(store *model.Store, name string) (any, bool) {
	v, found := store.RootScope().GetParam(name)
	return v, found && v != nil
}

func setRoot(store *model.Store, name string, v any) { store.RootScope().SetParam(name, v) }

// quickLocked reports whether quick mode is on for the store. regMu must be held.
func quickLocked(store *model.Store, e *entry) bool {
	if e != nil {
		if _, ok := e.index[ParamQuick]; ok {
			if v, ok := rootValue(store, ParamQuick); ok {
				if b, ok := v.(bool); ok {
					return b
				}
			}
		}
	}
	return QuickFromEnv()
}

// Define declares parameters for a store and writes their defaults into its root scope. A value
// already in the store (e.g. restored from a checkpoint) is kept if it has the parameter's type,
// or converted if it is a number of the other numeric kind with the same value; otherwise Define
// fails. Redefining a name identically is allowed; redefining it differently is an error (use
// [Merge] to change a default before calling Define).
func Define(store *model.Store, specs ...Spec) error {
	if store == nil {
		return errors.New("params: Define needs a non-nil *model.Store")
	}
	regMu.Lock()
	defer regMu.Unlock()
	e := lookup(store, true)

	// Validate everything first, so that a failing Define changes nothing.
	seen := map[string]bool{}
	var fresh []Spec
	for _, s := range specs {
		if err := s.validate(); err != nil {
			return err
		}
		if seen[s.Name] {
			return fmt.Errorf("params: parameter %q appears twice in one Define call", s.Name)
		}
		seen[s.Name] = true
		if i, ok := e.index[s.Name]; ok {
			old := e.specs[i]
			if old.Kind() != s.Kind() || old.Default != s.Default || old.Quick != s.Quick || old.Help != s.Help {
				return fmt.Errorf("params: parameter %q is already defined for this store as %s default %v; "+
					"it cannot be redefined with %s default %v (use params.Merge before Define)",
					s.Name, old.Kind(), old.Default, s.Kind(), s.Default)
			}
			continue
		}
		if v, ok := rootValue(store, s.Name); ok {
			if _, err := convert(v, s.Kind()); err != nil {
				return fmt.Errorf("params: parameter %q: the store already holds %v (%T), which is not a %s: %w",
					s.Name, v, v, s.Kind(), err)
			}
		}
		fresh = append(fresh, s)
	}
	for _, s := range fresh {
		e.index[s.Name] = len(e.specs)
		e.specs = append(e.specs, s)
	}
	// Values: the quick switch first, since the other defaults depend on it.
	ordered := slices.Clone(fresh)
	slices.SortStableFunc(ordered, func(a, b Spec) int {
		return boolInt(b.Name == ParamQuick) - boolInt(a.Name == ParamQuick)
	})
	for _, s := range ordered {
		if v, ok := rootValue(store, s.Name); ok {
			cv, _ := convert(v, s.Kind())
			setRoot(store, s.Name, cv)
			continue
		}
		setRoot(store, s.Name, s.defaultFor(quickLocked(store, e)))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// convert returns v as a value of kind k, if it is one or is a number of the other numeric
// kind holding the same value.
func convert(v any, k Kind) (any, error) {
	if KindOf(v) == k {
		return v, nil
	}
	switch k {
	case Int:
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int(f), nil
		}
	case Float:
		if i, ok := v.(int); ok {
			return float64(i), nil
		}
	}
	return nil, fmt.Errorf("cannot convert %T to %s", v, k)
}

// NewStore returns a new store with the given parameters defined.
func NewStore(specs ...Spec) (*model.Store, error) {
	store := model.NewStore()
	if err := Define(store, specs...); err != nil {
		return nil, err
	}
	return store, nil
}

// MustCommandLine returns a new store with the given parameters defined and registered as flags
// on [flag.CommandLine]. It is meant for package-level declarations in main packages and GoNB
// notebooks (`var store = params.MustCommandLine(...)`), where the specs are literals: it
// panics if they are invalid or a flag name is taken, which is a programming error.
func MustCommandLine(specs ...Spec) *model.Store {
	store, err := NewStore(specs...)
	if err == nil {
		err = RegisterFlags(flag.CommandLine, store)
	}
	if err != nil {
		panic(err)
	}
	return store
}

// Specs returns the parameters defined for a store, in definition order (nil if none).
func Specs(store *model.Store) []Spec {
	regMu.Lock()
	defer regMu.Unlock()
	if e := lookup(store, false); e != nil {
		return slices.Clone(e.specs)
	}
	return nil
}

// Lookup returns the spec of a parameter defined for a store.
func Lookup(store *model.Store, name string) (Spec, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	if e := lookup(store, false); e != nil {
		if i, ok := e.index[name]; ok {
			return e.specs[i], true
		}
	}
	return Spec{}, false
}

// Set parses text (flag syntax: "300", "1e-3", "true", "5m") as the value of a defined
// parameter and stores it, marking it as explicitly set.
func Set(store *model.Store, name, text string) error {
	regMu.Lock()
	defer regMu.Unlock()
	return setLocked(store, name, text)
}

func setLocked(store *model.Store, name, text string) error {
	e := lookup(store, false)
	var i int
	ok := false
	if e != nil {
		i, ok = e.index[name]
	}
	if !ok {
		return fmt.Errorf("params: no parameter %q is defined for this store (defined: %s)", name, namesLocked(e))
	}
	spec := e.specs[i]
	v, err := parse(spec.Kind(), text)
	if err != nil {
		return fmt.Errorf("params: parameter %q: %w", name, err)
	}
	setRoot(store, name, v)
	e.explicit[name] = true
	if name == ParamQuick {
		applyDefaultsLocked(store, e)
	}
	return nil
}

// SetQuick turns quick mode on or off for a store that defines [ParamQuick], and re-applies the
// defaults of the parameters not set explicitly.
func SetQuick(store *model.Store, quick bool) error {
	return Set(store, ParamQuick, strconv.FormatBool(quick))
}

// applyDefaultsLocked rewrites the default of every parameter not set explicitly, for the
// current quick mode.
func applyDefaultsLocked(store *model.Store, e *entry) {
	quick := quickLocked(store, e)
	for _, s := range e.specs {
		if s.Name == ParamQuick || e.explicit[s.Name] {
			continue
		}
		setRoot(store, s.Name, s.defaultFor(quick))
	}
}

func namesLocked(e *entry) string {
	if e == nil || len(e.specs) == 0 {
		return "none"
	}
	names := make([]string, len(e.specs))
	for i, s := range e.specs {
		names[i] = s.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parse reads flag text as a value of kind k.
func parse(k Kind, text string) (any, error) {
	switch k {
	case Int:
		v, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 0, strconv.IntSize)
		if err != nil {
			// Accept integral floats such as "1e4".
			if f, ferr := strconv.ParseFloat(text, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
				return int(f), nil
			}
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		return int(v), nil
	case Float:
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return v, nil
	case Bool:
		v, err := strconv.ParseBool(text)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean (use true or false)", text)
		}
		return v, nil
	case String:
		return text, nil
	case Duration:
		v, err := time.ParseDuration(text)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (examples: 90s, 5m, 1h30m)", text)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unsupported kind %s", k)
}

// format writes a value the way flags read it.
func format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Duration:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Get returns the value of a parameter from the store's root scope, or an error naming the
// parameter if it is missing or of another type.
func Get[T any](store *model.Store, name string) (T, error) {
	var zero T
	v, ok := rootValue(store, name)
	if !ok {
		return zero, fmt.Errorf("params: the store has no parameter %q (define it with params.Define)", name)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("params: parameter %q holds %v (%T), not a %T", name, v, v, zero)
	}
	return t, nil
}

// MustGet is [Get] for code that has defined the parameter itself: it panics with the error.
func MustGet[T any](store *model.Store, name string) T {
	v, err := Get[T](store, name)
	if err != nil {
		panic(err)
	}
	return v
}

// flagValue is a flag.Value that reads and writes a parameter in a store.
type flagValue struct {
	store *model.Store
	spec  Spec
}

func (f *flagValue) String() string {
	if f == nil || f.store == nil {
		return "" // flag's zero-value probe
	}
	v, _ := rootValue(f.store, f.spec.Name)
	return format(v)
}

func (f *flagValue) Set(text string) error {
	// The flag package prefixes `invalid value "text" for flag -name:`; give only the reason.
	if _, err := parse(f.spec.Kind(), text); err != nil {
		return err
	}
	regMu.Lock()
	defer regMu.Unlock()
	return setLocked(f.store, f.spec.Name, text)
}

func (f *flagValue) Get() any {
	v, _ := rootValue(f.store, f.spec.Name)
	return v
}

// IsBoolFlag lets bool parameters be given as "--quick" alone.
func (f *flagValue) IsBoolFlag() bool { return f != nil && f.spec.Kind() == Bool }

// RegisterFlags defines one flag per parameter defined for the store, named like the parameter,
// whose value is read from and written to the store (so parsing needs no further step). The
// flag's default text is the store's value at registration time. It fails, registering
// nothing, if the store has no parameters or a flag name is already taken in fs.
func RegisterFlags(fs *flag.FlagSet, store *model.Store) error {
	if fs == nil || store == nil {
		return errors.New("params: RegisterFlags needs a non-nil flag set and store")
	}
	specs := Specs(store)
	if len(specs) == 0 {
		return errors.New("params: the store has no defined parameters to register as flags (call params.Define first)")
	}
	for _, s := range specs {
		if fs.Lookup(s.Name) != nil {
			return fmt.Errorf("params: flag -%s is already defined in flag set %q; parameter names must not clash with other flags", s.Name, fs.Name())
		}
	}
	for _, s := range specs {
		help := s.Help
		if s.Quick != nil {
			help = fmt.Sprintf("%s (quick mode: %s)", help, format(s.Quick))
		}
		fs.Var(&flagValue{store: store, spec: s}, s.Name, help)
	}
	return nil
}

// Parse parses args with fs (which should use [flag.ContinueOnError]) and returns a clear error
// for unknown flags or bad values. Values go straight into the store the flags were registered
// for. Positional arguments are left in fs.Args().
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	sort.Strings(names)
	return fmt.Errorf("params: %w (known flags: %s)", err, strings.Join(names, " "))
}

// Table returns a header and one row per parameter, for display (kernelext.Table): name, value,
// default and help, with "*" after values that differ from the default. Parameters of the
// store's root scope that were not defined with this package (e.g. set by GoMLX code, or in a
// clone of the store) follow, with empty default and help.
func Table(store *model.Store) (header []string, rows [][]string) {
	header = []string{"parameter", "value", "default", "help"}
	regMu.Lock()
	e := lookup(store, false)
	var specs []Spec
	if e != nil {
		specs = slices.Clone(e.specs)
	}
	quick := quickLocked(store, e)
	regMu.Unlock()

	known := map[string]bool{}
	for _, s := range specs {
		known[s.Name] = true
		v, _ := rootValue(store, s.Name)
		def := s.defaultFor(quick)
		value := format(v)
		if v != def {
			value += " *"
		}
		rows = append(rows, []string{s.Name, value, format(def), s.Help})
	}
	var extra [][]string
	for path, v := range store.IterParams() {
		name := strings.TrimPrefix(path, "/")
		if strings.Contains(name, "/") || known[name] {
			continue
		}
		extra = append(extra, []string{name, format(v), "", ""})
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i][0] < extra[j][0] })
	return header, append(rows, extra...)
}
