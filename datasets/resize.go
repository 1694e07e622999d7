package datasets

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// taps holds, for each output index, the first input index and the normalised weights of a
// one-dimensional resampling filter.
type taps struct {
	start   []int
	weights [][]float32
}

// triangleTaps returns the taps of the triangle (bilinear) filter resampling in samples to out
// samples with half-pixel centres. The filter radius is max(in/out, 1) input samples: plain
// linear interpolation when enlarging, an antialiasing triangle covering each output pixel's
// footprint when shrinking (the convention of PIL's BILINEAR filter). Taps outside the input
// are dropped and the remaining weights renormalised, which equals clamping at the borders
// when enlarging.
func triangleTaps(in, out int) taps {
	scale := float64(in) / float64(out)
	support := math.Max(scale, 1)
	t := taps{start: make([]int, out), weights: make([][]float32, out)}
	for i := range out {
		center := (float64(i) + 0.5) * scale
		lo := max(int(math.Floor(center-support)), 0)
		hi := min(int(math.Ceil(center+support)), in)
		var ws []float64
		var sum float64
		first := -1
		for j := lo; j < hi; j++ {
			w := 1 - math.Abs((float64(j)+0.5-center)/support)
			if w <= 0 {
				if first >= 0 {
					break
				}
				continue
			}
			if first < 0 {
				first = j
			}
			ws = append(ws, w)
			sum += w
		}
		if first < 0 { // Cannot happen for in, out > 0; keep the nearest sample to be safe.
			first, ws, sum = min(int(center), in-1), []float64{1}, 1
		}
		t.start[i] = first
		t.weights[i] = make([]float32, len(ws))
		for k, w := range ws {
			t.weights[i][k] = float32(w / sum)
		}
	}
	return t
}

// resizer resamples images of h0×w0×c to h1×w1×c, separably (columns first, then rows).
type resizer struct {
	h0, w0, h1, w1, c int
	rows, cols        taps
}

func newResizer(h0, w0, h1, w1, c int) *resizer {
	return &resizer{h0: h0, w0: w0, h1: h1, w1: w1, c: c, rows: triangleTaps(h0, h1), cols: triangleTaps(w0, w1)}
}

// resize writes into dst (h1·w1·c values) the resampled src (h0·w0·c values); tmp must hold
// h0·w1·c values.
func (r *resizer) resize(src, dst, tmp []float32) {
	c := r.c
	// Horizontal pass: [h0, w0, c] → [h0, w1, c].
	for y := range r.h0 {
		srow := src[y*r.w0*c : (y+1)*r.w0*c]
		trow := tmp[y*r.w1*c : (y+1)*r.w1*c]
		for x := range r.w1 {
			start, ws := r.cols.start[x], r.cols.weights[x]
			for ch := range c {
				var acc float32
				for k, w := range ws {
					acc += w * srow[(start+k)*c+ch]
				}
				trow[x*c+ch] = acc
			}
		}
	}
	// Vertical pass: [h0, w1, c] → [h1, w1, c].
	rowLen := r.w1 * c
	for y := range r.h1 {
		drow := dst[y*rowLen : (y+1)*rowLen]
		clear(drow)
		start, ws := r.rows.start[y], r.rows.weights[y]
		for k, w := range ws {
			trow := tmp[(start+k)*rowLen : (start+k+1)*rowLen]
			for p, v := range trow {
				drow[p] += w * v
			}
		}
	}
}

// parallelFor calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines, each with its own
// worker state from newState.
func parallelFor[S any](n int, newState func() S, fn func(state S, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		s := newState()
		for i := range n {
			fn(s, i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			s := newState()
			for i := range next {
				fn(s, i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Resize returns the images resampled to height×width with a triangle filter (bilinear when
// enlarging, antialiased bilinear when shrinking, half-pixel centres; see the package
// documentation). Labels, classes and range are kept; Name is unchanged. Resizing to the
// same size returns an exact copy. It returns an error if height or width is not positive.
func (im *Images) Resize(height, width int) (*Images, error) {
	if height <= 0 || width <= 0 {
		return nil, fmt.Errorf("datasets: Resize of %q to %d×%d: height and width must be positive", im.Name, height, width)
	}
	out := im.emptyLike(im.Name, im.N, height, width)
	copy(out.Labels, im.Labels)
	r := newResizer(im.Height, im.Width, height, width, im.Channels)
	szIn, szOut := im.ImageSize(), out.ImageSize()
	parallelFor(im.N,
		func() []float32 { return make([]float32, im.Height*width*im.Channels) },
		func(tmp []float32, i int) {
			r.resize(im.Pixels[i*szIn:(i+1)*szIn], out.Pixels[i*szOut:(i+1)*szOut], tmp)
		})
	return out, nil
}
