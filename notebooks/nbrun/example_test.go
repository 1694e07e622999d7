package nbrun_test

import (
	"fmt"

	"github.com/sparselab/sparselab/notebooks/nbrun"
)

// Checking an executed notebook (Run does this after executing it): this one printed a single
// image although its metadata promises three images, a table and the text "PSNR", and one of
// its cells never ran.
func ExampleCheck() {
	r, err := nbrun.Check("testdata/missing_images.ipynb.json")
	if err != nil {
		panic(err)
	}
	fmt.Println("ok:", r.OK(), "images:", r.Counts.Images, "tables:", r.Counts.Tables)
	for _, p := range r.Problems {
		fmt.Println("-", p)
	}
	// Output:
	// ok: false images: 1 tables: 0
	// - cell 1 (id skipped) "%%": was not executed
	// - expected at least 3 images (metadata sparselab.expect.images), got 1
	// - expected at least 1 tables (metadata sparselab.expect.tables), got 0
	// - expected the text "PSNR" in some output (metadata sparselab.expect.text), found none
}
