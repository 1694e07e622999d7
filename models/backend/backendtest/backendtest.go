// Package backendtest runs tests on every GoMLX backend this machine has (see
// [backend.Available]), creating each backend once per test binary.
package backendtest

import (
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/backend"
)

var (
	mu       sync.Mutex
	backends = map[string]compute.Backend{}
)

// Get returns the backend named name ("go", "onnx", "xla…"), created on first use; it fails the
// test if the backend cannot be created.
func Get(t testing.TB, name string) compute.Backend {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if b, ok := backends[name]; ok {
		return b
	}
	b, _, err := backend.New(name)
	if err != nil {
		t.Fatalf("backend.New(%q): %v", name, err)
	}
	backends[name] = b
	return b
}

// ForEach runs fn as a subtest named after each backend available on this machine.
func ForEach(t *testing.T, fn func(t *testing.T, b compute.Backend, name string)) {
	t.Helper()
	for _, name := range backend.Available() {
		t.Run(name, func(t *testing.T) { fn(t, Get(t, name), name) })
	}
}
