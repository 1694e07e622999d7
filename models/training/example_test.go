package training_test

import (
	"fmt"
	"os"
	"path/filepath"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/training"
)

// Example fits y = x·w to the target w = (1.5, −0.5) with Adam, writing a checkpoint, and then
// resumes a second trainer from it: the same command continues at the step where the first stopped.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	linear := func(scope *model.Scope, x *Node) *Node {
		w := scope.In("linear").VariableWithValue("w", [][]float32{{0}, {0}})
		return MatMul(x, w.NodeValue(x.Graph()))
	}
	batch := train.Batch{
		Inputs: []*tensors.Tensor{tensors.FromValue([][]float32{{1, 0}, {0, 1}, {1, 1}, {2, 1}})},
		Labels: []*tensors.Tensor{tensors.FromValue([][]float32{{1.5}, {-0.5}, {1}, {2.5}})},
	}
	next := func() (train.Batch, error) { return batch, nil }
	newTrainer := func() *train.Trainer {
		return train.NewTrainer(b, model.NewStore(), linear, loss.MeanSquaredError,
			optimizer.Adam().LearningRate(0.05).Done(), nil, nil)
	}
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ckpt := filepath.Join(dir, "linear.ckpt")

	res, err := training.Run(newTrainer(), next, training.Settings{Steps: 400, CheckpointPath: ckpt,
		Meta: map[string]any{"command": "example"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("trained steps %d→%d, stopped by %s\n", res.StartStep, res.EndStep, res.StoppedBy)

	c, err := training.ReadCheckpoint(ckpt)
	if err != nil {
		fmt.Println(err)
		return
	}
	w := c.Value("/linear/w").Value().([][]float32)
	fmt.Printf("checkpoint %q: w = (%.2f, %.2f)\n", c.Header.Meta["command"], w[0][0], w[1][0])

	step, err := training.Resume(newTrainer(), ckpt)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("a new trainer resumes at step", step)
	// Output:
	// trained steps 0→400, stopped by steps
	// checkpoint "example": w = (1.50, -0.50)
	// a new trainer resumes at step 400
}

// ExampleFitLogTrend fits a validation curve that gains 1.5 dB each time the training length
// doubles, and forecasts it: the value at 64 epochs, and when it reaches 30 dB.
func ExampleFitLogTrend() {
	epochs := []float64{4, 8, 16, 32}
	psnr := []float64{21, 22.5, 24, 25.5}
	tr, err := training.FitLogTrend(epochs, psnr, 0, 32)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tr)
	fmt.Printf("at 64 epochs: %.2f dB; 30 dB after %.0f epochs\n", tr.At(64), tr.EpochsTo(30))
	// Output:
	// +1.50 dB per doubling of epochs over epochs 4–32 (4 validations, RMSE 0.000)
	// at 64 epochs: 27.00 dB; 30 dB after 256 epochs
}

// ExampleFitPowerTrend fits a validation curve whose gain per doubling of epochs halves each time
// (30 − 16/e dB: 22, 26, 28, 29 at 2, 4, 8, 16 epochs), which a log line would overestimate, and
// forecasts it.
func ExampleFitPowerTrend() {
	epochs := []float64{2, 4, 8, 16}
	psnr := []float64{22, 26, 28, 29}
	tr, err := training.FitPowerTrend(epochs, psnr, 0, 16)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tr)
	fmt.Printf("exponent %.2f; at 64 epochs: %.2f dB; 29.9 dB after %.0f epochs\n", tr.Exponent, tr.At(64), tr.EpochsTo(29.9))
	line, _ := training.FitLogTrend(epochs, psnr, 0, 16)
	fmt.Printf("the log line says %.2f dB at 64 epochs\n", line.At(64))
	// Output:
	// levels off towards 30.00 dB, each doubling of epochs gaining 0.50× the one before (+0.50 dB from epoch 16 to 32), over epochs 2–16 (4 validations, RMSE 0.000)
	// exponent 1.00; at 64 epochs: 29.75 dB; 29.9 dB after 160 epochs
	// the log line says 34.30 dB at 64 epochs
}

// ExampleResult_BackTest back-tests the two trends on a history that levels off (30 − 16/e dB,
// validated every epoch, 100 steps each): fitted to epochs 8–16, each is read at epoch 32 beside
// the validation there. The line, which keeps the gain per doubling, forecasts high.
func ExampleResult_BackTest() {
	h := &training.Result{}
	for e := 1; e <= 32; e++ {
		h.Evals = append(h.Evals, training.EvalPoint{Step: 100 * e, Metrics: map[string]float64{"psnr": 30 - 16/float64(e)}})
	}
	for _, e := range training.DoublingEpochs(16, 32) {
		b, err := h.BackTest("psnr", 100, e)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(b)
	}
	// Output:
	// epoch 16 from epochs 4–8: line 30.08 (+1.08), power law 29.00 (+0.00, exponent 1.00), measured 29.00
	// epoch 32 from epochs 8–16: line 30.03 (+0.53), power law 29.50 (+0.00, exponent 1.00), measured 29.50
}
