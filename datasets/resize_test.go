package datasets

import (
	"math"
	"slices"
	"testing"
)

// grid returns a one-image, one-channel Images of size h×w with values f(y, x).
func grid(h, w int, f func(y, x int) float64) *Images {
	im := &Images{N: 1, Height: h, Width: w, Channels: 1, Pixels: make([]float32, h*w)}
	for y := range h {
		for x := range w {
			im.Pixels[y*w+x] = float32(f(y, x))
		}
	}
	return im
}

func TestResizeKnownValues(t *testing.T) {
	tests := []struct {
		name       string
		in         *Images
		outH, outW int
		want       []float64
	}{
		{
			// PyTorch: F.interpolate([[1,2],[3,4]], scale_factor=2, mode="bilinear",
			// align_corners=False) (the example of torch.nn.Upsample's documentation).
			name: "2x2 to 4x4 bilinear", in: grid(2, 2, func(y, x int) float64 { return float64(2*y + x + 1) }),
			outH: 4, outW: 4,
			want: []float64{1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4},
		},
		{
			// Antialiased shrink 4 → 2: triangle of radius 2 centred at 1 and 3, weights
			// (.75, .75, .25)/1.75 and (.25, .75, .75)/1.75.
			name: "1x4 to 1x2 antialiased", in: grid(1, 4, func(_, x int) float64 { return float64(x) }),
			outH: 1, outW: 2,
			want: []float64{1.25 / 1.75, 4 / 1.75},
		},
		{
			name: "identity", in: grid(3, 5, func(y, x int) float64 { return math.Sin(float64(3*y + x)) }),
			outH: 3, outW: 5,
			want: nil, // Filled below: same as input.
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.in.Resize(tc.outH, tc.outW)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == nil {
				for _, v := range tc.in.Pixels {
					want = append(want, float64(v))
				}
			}
			if out.Height != tc.outH || out.Width != tc.outW || len(out.Pixels) != len(want) {
				t.Fatalf("size %d×%d (%d values), want %d×%d (%d)", out.Height, out.Width, len(out.Pixels), tc.outH, tc.outW, len(want))
			}
			for i, w := range want {
				if math.Abs(float64(out.Pixels[i])-w) > 1e-6 {
					t.Errorf("value %d = %v, want %v", i, out.Pixels[i], w)
				}
			}
		})
	}
}

func TestResizeProperties(t *testing.T) {
	sizes := []struct{ h0, w0, h1, w1 int }{{28, 28, 32, 32}, {32, 32, 28, 28}, {8, 13, 3, 40}, {96, 96, 32, 32}, {32, 32, 16, 16}, {5, 7, 5, 7}}
	for _, s := range sizes {
		// A constant image stays constant (weights sum to one).
		c := grid(s.h0, s.w0, func(int, int) float64 { return 0.625 })
		out, err := c.Resize(s.h1, s.w1)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range out.Pixels {
			if math.Abs(float64(v)-0.625) > 1e-6 {
				t.Fatalf("%v: constant image gives %v at %d", s, v, i)
			}
		}
		// A ramp along x is reproduced away from the borders: the output at column i samples
		// the source at u = (i + 0.5)·w0/w1 − 0.5 (half-pixel centres). When enlarging, or
		// shrinking by an integer factor, the taps are symmetric about u, so a linear
		// function is reproduced exactly as long as no tap falls outside the image; when
		// shrinking by another factor the sampled triangle is slightly lopsided (as in PIL),
		// so allow a tenth of a source pixel.
		ramp := grid(s.h0, s.w0, func(_, x int) float64 { return float64(x) })
		out, _ = ramp.Resize(s.h1, s.w1)
		scale := float64(s.w0) / float64(s.w1)
		support := math.Max(scale, 1)
		tol := 1e-4
		if s.w0 > s.w1 && s.w0%s.w1 != 0 {
			tol = 0.1
		}
		for x := range s.w1 {
			u := (float64(x)+0.5)*scale - 0.5
			if u-support < -0.5 || u+support > float64(s.w0)-0.5 {
				continue // Border: taps are clipped.
			}
			for y := range s.h1 {
				if got := float64(out.Pixels[y*s.w1+x]); math.Abs(got-u) > tol {
					t.Errorf("%v: ramp at (%d, %d) = %v, want %v", s, y, x, got, u)
				}
			}
		}
	}
}

func TestResizeChannelsAndLabels(t *testing.T) {
	im := makeImages(4, 6, 5, 3, 2)
	out, err := im.Resize(9, 4)
	if err != nil {
		t.Fatal(err)
	}
	if out.N != 4 || out.Channels != 3 || !slices.Equal(out.Labels, im.Labels) || out.Range != im.Range {
		t.Fatalf("metadata changed: %+v", out)
	}
	// Each channel is resized on its own: resizing channel c alone gives the same values.
	for c := range 3 {
		single := &Images{N: 4, Height: 6, Width: 5, Channels: 1, Pixels: make([]float32, 4*30)}
		for p := range single.Pixels {
			single.Pixels[p] = im.Pixels[p*3+c]
		}
		r, _ := single.Resize(9, 4)
		for p, v := range r.Pixels {
			if out.Pixels[p*3+c] != v {
				t.Fatalf("channel %d value %d: %v, want %v", c, p, out.Pixels[p*3+c], v)
			}
		}
	}
	for _, hw := range [][2]int{{0, 3}, {3, -1}} {
		if _, err := im.Resize(hw[0], hw[1]); err == nil {
			t.Errorf("Resize(%d, %d) gave no error", hw[0], hw[1])
		}
	}
}
