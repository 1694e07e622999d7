// Package nn holds the differentiable building blocks that every sparselab model uses, one
// implementation each, written as GoMLX graph-building code: layers take a *model.Scope for their
// variables and are configured with builders,
//
//	y := nn.Conv(scope.In("conv1"), x).Channels(8).Kernel(3).Stride(2).Padding(1).Done()
//
// and the variable-free operations ([Conv2D], [ConvTranspose2D], [UpsampleBilinear2x], ...) are
// plain functions of *graph.Node. Graph-building code panics with a message naming the block and
// the offending shape (GoMLX's convention); host code ([GradCheck]) returns errors.
//
// # Formats
//
// Images are channels-last, [B,H,W,C] (batch, height, width, channels), GoMLX's default, not
// PyTorch's [B,C,H,W]. Kernels are [kh,kw,Cin,Cout]; a PyTorch Conv2d weight [Cout,Cin,kh,kw]
// maps to it with the axis permutation (2,3,1,0) and a ConvTranspose2d weight [Cin,Cout,kh,kw]
// with (2,3,0,1). Dense weights are [in,out] (PyTorch's Linear weight transposed). Variable names
// follow PyTorch: "weight", "bias", "running_mean", "running_var" (plus "spectral_u" and
// "spectral_v" for spectral normalisation).
//
// # Blocks
//
//   - [Conv2D] / [Conv] (PyTorch's conv2d: stride, zero padding, optional bias) and
//     [ConvTranspose2D] / [ConvTranspose] (conv_transpose2d with output_padding). The
//     formulations ([ConvAlgorithm]) differ in which backends can differentiate them and in
//     speed; [ConvAuto] picks, per backend and layer size, the fastest measured one that
//     differentiates there ([ConvAlgorithmFor]).
//   - [UpsampleBilinear2x] and [ResizeBilinear]: PyTorch's F.interpolate(mode='bilinear',
//     align_corners=False) as two fixed interpolation matrices ([BilinearMatrix]) applied with
//     DotGeneral; [UpsampleNearest] by reshape and broadcast.
//   - [AvgPool2D], [MaxPool2D] (and the 2×2 shorthands): non-overlapping windows by reshape plus
//     ReduceMean/ReduceMax.
//   - [BatchNorm]: PyTorch's BatchNorm1d/2d (momentum 0.1, ε 1e-5, affine optional); batch
//     statistics and running-average updates in training graphs (scope.IsTraining, which
//     train.Trainer sets), running averages otherwise.
//   - [Dense] / [Linear] with PyTorch's default initialisation ([UniformFanIn]: kaiming_uniform
//     with a = √5, i.e. U(±1/√fan_in), for weights and biases); [LeakyReLU] with PyTorch's slope
//     0.01 (GoMLX's activation.LeakyRelu uses 0.3).
//   - [LogDetSPD] and [LogDetIPlusAZZt]: log det(I + a·Z·Zᵀ) for the coding rate of maximal coding
//     rate reduction (paper 002), by an unrolled Cholesky factorisation (GoMLX has no Cholesky).
//   - [SpectralNorm]: W/σ(W) with a persistent power-iteration vector (PyTorch's spectral_norm),
//     for paper 001's discriminator; also a switch on [Dense], [Conv] and [ConvTranspose].
//   - [GradCheck], [GradCheckWith] and [CheckGradient]: float64 central finite differences
//     against GoMLX's reverse-mode gradient, for this and other packages' tests.
//
// # Backends: what runs where (GoMLX v0.28.2, compute v0.1.2, compute-onnx 2026-07-30)
//
// The ONNX (Open Neural Network Exchange) Runtime backend ("onnx") and the pure-Go backend ("go")
// differ in what they can execute, and some GoMLX gradients are wrong without any error. The
// tests of this package check every block's forward pass against an independent float64
// reference and its gradient against finite differences on every available backend. Found while
// building it:
//
//   - compute-onnx has no Pad op, and the gradient of Slice is a Pad: nothing that slices may be
//     differentiated on "onnx" (im2col by slices, Concatenate-based crops).
//   - The gradient of a strided graph.Convolve is a convolution with input dilation, which ONNX
//     Runtime's Conv rejects; ONNX Runtime has no float64 Conv.
//   - graph.Convolve's gradient with respect to the input is wrong for even kernel sizes (2, 4) on
//     every backend, silently (odd kernels are fine); the native algorithms therefore hand even
//     kernels to [ConvBanded].
//   - graph.Reverse has no gradient (flipped kernels use anti-diagonal matrices instead), and
//     graph.Pad has none either (zero padding uses Concatenate or selection matrices).
//   - compute-onnx lowers a DotGeneral whose left operand contracts its last axis and whose right
//     operand contracts its second-to-last axis to ONNX MatMul, whose numpy broadcasting is not
//     DotGeneral's cross product when the right operand has rank > 2 or the ranks differ: the
//     graph then fails at compile or run time ("Incompatible dimensions", wrong ranks). GoMLX's
//     own gradients emit such DotGenerals, so the code here keeps right operands rank 2 or
//     contracts a non-last axis of the left one.
//   - compute-onnx fails to reshape to a scalar at run time, and fails to compile the gradient
//     of ReduceAllSum(Log(x)) for a one-element x; reductions here end with ReduceAllSum.
//   - On a failed compilation compute-onnx writes failed_model.onnx into the working directory.
//
// # Speed
//
// Forward plus backward of the MAX-AAE (max-sparsity atomic autoencoder, paper 000, MNIST, c = 8)
// conv stack at batch 64: encoder 28×28×1 → 14×14×4 → 7×7×8 (3×3, stride 2, padding 1) and decoder
// convolutions 3×3 stride 1 at 7×7×8→8, 14×14×8→4 and 28×28×4→1 with bilinear ×2 between them
// (BenchmarkConvStack and TestConvStackTimings, 2 shared cores, minimum over interleaved runs;
// "—" means the gradient cannot run there). SIMD (single instruction, multiple data) matrix
// kernels of the go backend exist only in binaries built with GOEXPERIMENT=simd.
//
//	ms per step (go: plain build / GOEXPERIMENT=simd)   encoder    decoder    whole stack
//	onnx  auto (= banded for these sizes)                  1.5        3.9         6.6
//	onnx  native-subsample                                  5.0        6.6        12.3
//	onnx  native (stride 1 only)                             —         6.6          —
//	onnx  im2col-slice                                       —          —           —
//	go    auto (im2col-slice strided, banded stride 1)    6.1 / 5.6   78 / 26     87 / 32
//	go    banded                                          29 / 10     75 / 26    109 / 36
//	go    im2col-slice                                   6.4 / 5.6    91 / 70     83 / 78
//	go    native                                          88 / 102   302 / 306   439 / 392
//	go    native-subsample                               250 / 239   301 / 303   561 / 546
//
// The MAX-AAE decoder runs on 20 atoms per image, i.e. batch 1280: there auto takes 128–136 ms on
// "onnx" and 1500 / 418 ms on "go". Per layer, the banded formulation wins on "onnx" while the
// images are narrow and the channels few (1.5–5× faster than ONNX Runtime's Conv with its
// gradient), and loses by up to 3× on 32×32 images with 16–64 channels (paper 002/003 sizes);
// [ConvAlgorithmFor] encodes the crossover measured on single layers.
//
// ConvAuto therefore uses: on "onnx", ConvBanded for small layers and graph.Convolve (strided:
// ConvNativeSubsample) for large ones; on "go", ConvIm2ColSlice for strided convolutions and
// ConvBanded otherwise; elsewhere (XLA, Accelerated Linear Algebra) graph.Convolve.
package nn
