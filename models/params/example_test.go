package params_test

import (
	"flag"
	"fmt"
	"os"

	"github.com/sparselab/sparselab/models/params"
)

// A command-line tool declares its parameters, registers them as flags of the same names and
// parses its arguments; the values land in the GoMLX store that the model code reads.
func Example() {
	os.Unsetenv(params.EnvQuick)
	store, err := params.NewStore(params.Merge(params.Common(),
		params.Spec{Name: params.ParamSteps, Default: 3000, Quick: 30, Help: "training steps"},
		params.Spec{Name: "atoms", Default: 20, Help: "number of atoms"})...)
	if err != nil {
		panic(err)
	}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	if err := params.RegisterFlags(fs, store); err != nil {
		panic(err)
	}
	if err := params.Parse(fs, []string{"--quick", "--learning_rate=1e-4"}); err != nil {
		panic(err)
	}
	_, rows := params.Table(store)
	for _, r := range rows {
		fmt.Printf("%-14s %-8s default %s\n", r[0], r[1], r[2])
	}
	// Output:
	// quick          true *   default false
	// steps          30       default 30
	// batch_size     64       default 64
	// learning_rate  0.0001 * default 0.001
	// seed           42       default 42
	// time_budget    0s       default 0s
	// atoms          20       default 20
}
