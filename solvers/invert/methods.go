package invert

import (
	"fmt"
	"sync"

	"github.com/gomlx/compute"
)

// Method names of the inversion algorithms, as used in Estimate.Method, experiment settings, flags
// and reports.
const (
	MethodGD            = "gd"
	MethodLayeredBP     = "layered-bp"
	MethodLatentPursuit = "latent-pursuit"
	MethodOracle        = "oracle"
	MethodDebias        = "debias"
)

// checkMethods validates the methods of an experiment: known names, and a backend for gradient
// descent (field names the settings field that holds it, for the message).
func checkMethods(fn string, methods []string, b compute.Backend, field string) error {
	for _, m := range methods {
		switch m {
		case MethodGD:
			if b == nil {
				return fmt.Errorf("invert.%s: method %q needs a backend (%s)", fn, m, field)
			}
		case MethodLayeredBP, MethodLatentPursuit, MethodOracle:
		default:
			return fmt.Errorf("invert.%s: unknown method %q: use %s, %s, %s or %s", fn, m, MethodGD, MethodLayeredBP, MethodLatentPursuit, MethodOracle)
		}
	}
	return nil
}

// layerwise runs one of the layer-wise methods (Layered Basis-Pursuit, Latent-Pursuit, or the
// oracle, which reads the true supports from truth).
func layerwise(method string, net *Network, y []float64, mask []bool, truth [][]float64, s *Settings) (*Estimate, error) {
	switch method {
	case MethodLayeredBP:
		return LayeredBasisPursuit(net, y, mask, s)
	case MethodLatentPursuit:
		return LatentPursuit(net, y, mask, s)
	case MethodOracle:
		return Oracle(net, y, mask, truth, s)
	}
	return nil, fmt.Errorf("invert: %q is not a layer-wise method", method)
}

// parallelFor calls fn(i) for i = 0 … n−1 on at most workers goroutines and waits for them.
func parallelFor(n, workers int, fn func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(i)
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}
