package kernelext_test

import (
	"fmt"

	"github.com/sparselab/sparselab/kernelext"
)

// An "ours vs paper" table, formatted as the aligned text that scripting mode prints
// (kernelext.Comparison shows it as a Markdown table in a notebook).
func ExampleComparisonRows() {
	rows := kernelext.ComparisonRows([]kernelext.CompareRow{
		{Quantity: "MNIST MAX-AAE PSNR (dB)", Paper: kernelext.NumStd(28.42, 2.74), Ours: kernelext.NumStd(27.31, 2.60), Verb: "%.2f", Note: "quick run"},
		{Quantity: "FID", Paper: kernelext.Num(28.9), Ours: kernelext.NoNum(), Note: "no Inception weights offline"},
	})
	fmt.Print(kernelext.TextTable(kernelext.ComparisonHeader, rows))
	// Output:
	// quantity                 paper         ours          ours − paper  note
	// -----------------------  ------------  ------------  ------------  ----------------------------
	// MNIST MAX-AAE PSNR (dB)  28.42 ± 2.74  27.31 ± 2.60  -1.11         quick run
	// FID                      28.9          n/a                         no Inception weights offline
}
