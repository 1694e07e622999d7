package npy_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/sparselab/sparselab/solvers/npy"
)

// Writing a 2×3 float32 array as NumPy's np.save would, and reading it back as float64.
func Example() {
	var buf bytes.Buffer
	if err := npy.Write(&buf, []float32{1, 2, 3, 4, 5, 6}, []int{2, 3}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", buf.String()[:8])
	fmt.Printf("%d bytes: %d of magic, version, length and header, 24 of data\n", buf.Len(), buf.Len()-24)
	h, err := npy.ReadHeader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Descr, h.Shape, h.FortranOrder)
	data, shape, err := npy.Read[float64](&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(shape, data)
	// Output:
	// "\x93NUMPY\x01\x00"
	// 152 bytes: 128 of magic, version, length and header, 24 of data
	// <f4 [2 3] false
	// [2 3] [1 2 3 4 5 6]
}
