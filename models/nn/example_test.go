package nn_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/nn"
)

// Bilinear ×2 upsampling matches PyTorch's F.interpolate(scale_factor=2, mode='bilinear',
// align_corners=False).
func ExampleUpsampleBilinear2x() {
	b, _, err := backend.New("go")
	if err != nil {
		panic(err)
	}
	y, err := ExecOnce(b, func(x *Node) *Node {
		return Reshape(nn.UpsampleBilinear2x(Reshape(x, 1, 2, 2, 1)), 4, 4)
	}, [][]float32{{1, 2}, {3, 4}})
	if err != nil {
		panic(err)
	}
	fmt.Println(y.Value())
	// Output: [[1 1.25 1.75 2] [1.5 1.75 2.25 2.5] [2.5 2.75 3.25 3.5] [3 3.25 3.75 4]]
}

// A MAX-AAE-style encoder step: two strided convolutions on 28×28 channels-last images, then
// the gradient check of a convolution on the same backend.
func ExampleConv() {
	b, _, err := backend.New("go")
	if err != nil {
		panic(err)
	}
	store := model.NewStore()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		h := nn.LeakyReLU(nn.Conv(scope.In("conv1"), x).Channels(4).Kernel(3).Stride(2).Padding(1).Done())
		return nn.LeakyReLU(nn.Conv(scope.In("conv2"), h).Channels(8).Kernel(3).Stride(2).Padding(1).Done())
	})
	if err != nil {
		panic(err)
	}
	out, err := exec.Call(make([]float32, 2*28*28)) // flat input, reshaped below
	if err != nil {
		fmt.Println("expected: the layer wants [B,H,W,C] images")
	} else {
		fmt.Println(out[0].Shape())
	}
	images := [][][][]float32{}
	for range 2 {
		img := make([][][]float32, 28)
		for i := range img {
			img[i] = make([][]float32, 28)
			for j := range img[i] {
				img[i][j] = []float32{float32(i*j) / 784}
			}
		}
		images = append(images, img)
	}
	out, err = exec.Call(images)
	if err != nil {
		panic(err)
	}
	fmt.Println(out[0].Shape())

	_, rel, err := nn.GradCheck(b, func(xs []*Node) *Node { return nn.Conv2D(xs[0], xs[1], 2, 1) },
		[][][][]float64{{{{1}, {2}, {0}}, {{-1}, {3}, {1}}, {{2}, {0}, {-2}}}},
		[][][][]float64{{{{1, -1}}, {{0.5, 2}}}, {{{-0.5, 1}}, {{1, 0}}}})
	fmt.Printf("gradient check passed: %v (%v)\n", rel < 1e-8, err)
	// Output:
	// expected: the layer wants [B,H,W,C] images
	// (Float32)[2, 7, 7, 8]
	// gradient check passed: true (<nil>)
}

// The rate-reduction building block log det(I + a·Z·Zᵀ).
func ExampleLogDetIPlusAZZt() {
	b, _, err := backend.New("go")
	if err != nil {
		panic(err)
	}
	// Z = [[1, 0], [0, 2]], a = 0.5: det(I + a·Z·Zᵀ) = 1.5 · 3 = 4.5.
	v, err := ExecOnce(b, func(z *Node) *Node { return nn.LogDetIPlusAZZt(z, 0.5) }, [][]float64{{1, 0}, {0, 2}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f\n", v.Value())
	// Output: 1.504077
}
