package autoenc_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/convae"
	"github.com/sparselab/sparselab/models/training"
)

// Example trains the getting-started convolutional autoencoder (models/convae, with a 4-number
// code) on 16 images of 8×8 pixels — shifted diagonal ramps — and compares the mean PSNR of the
// reconstructions before and after.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	const n, side = 16, 8
	px := make([]float32, n*side*side)
	for i := range n {
		for y := range side {
			for x := range side {
				px[(i*side+y)*side+x] = float32(0.5 + 0.4*math.Sin(float64(x+y+i)/3))
			}
		}
	}
	images := &datasets.Images{Name: "ramps", N: n, Height: side, Width: side, Channels: 1, Pixels: px}

	store := model.NewStore()
	store.SetRNGStateFromSeed(1)
	store.SetParam(convae.ParamLatent, 4)
	store.SetParam(convae.ParamChannels, 8)
	ae := autoenc.New(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node { return convae.Model(scope, x) })
	meanPSNR := func() (float64, error) {
		psnr, err := ae.PSNR(images)
		s := 0.0
		for _, p := range psnr {
			s += p
		}
		return s / float64(len(psnr)), err
	}
	before, err := meanPSNR()
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := ae.Train(images, autoenc.Settings{BatchSize: 8, LearningRate: 1e-2, Training: training.Settings{Steps: 300}})
	if err != nil {
		fmt.Println(err)
		return
	}
	after, err := meanPSNR()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("steps:", res.EndStep)
	fmt.Println("mean PSNR below 15 dB before training:", before < 15)
	fmt.Println("mean PSNR above 30 dB after:", after > 30)
	// Output:
	// steps: 300
	// mean PSNR below 15 dB before training: true
	// mean PSNR above 30 dB after: true
}
