package backend_test

import (
	"errors"
	"fmt"

	"github.com/sparselab/sparselab/models/backend"
)

// Example resolves backend configurations without creating them: an explicit choice, and a name
// sparselab does not know, which is an error that [backend.ErrUnknown] identifies (New, which
// also creates the backend, reports the same).
func Example() {
	c, err := backend.Pick("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	_, err = backend.Pick("tpu")
	fmt.Println(errors.Is(err, backend.ErrUnknown))
	fmt.Println(err)
	// Output:
	// go (asked for)
	// true
	// unknown backend "tpu": want one of "xla", "onnx" or "go", optionally with options after a colon (e.g. "go", "onnx:cpu", "xla:cuda")
}
