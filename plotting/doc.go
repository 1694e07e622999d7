// Package plotting draws the figures of sparselab's experiments with gonum/plot
// and returns them as values: image grids (originals, reconstructions, atoms,
// latent traversals), curves with legends, histograms, grouped bar charts with
// error bars, median-and-quantile ribbons and heat maps, alone or tiled into
// multi-panel figures. A *Figure encodes itself to PNG, SVG or PDF (Encode,
// Bytes, Save); the package never talks to a notebook kernel, so it works
// headless, in tests and in command-line tools alike, and a notebook shows a
// figure by passing its PNG bytes or SVG text to its own display call.
//
// Conventions: sizes are gonum vg.Length points (72 per inch); PNG output is
// rendered at the figure's DPI (96 by default); images are H×W×C float32
// channels-last (Images, ImagesFromTensor) and shown with nearest-neighbour
// pixel replication, never blurred. Quantiles follow numpy's default linear
// interpolation (Hyndman and Fan, "Sample quantiles in statistical packages",
// The American Statistician 50(4), 1996, definition 7). Each constructor
// documents how it treats NaN: as a gap in curves and ribbons, a marked cell in
// images and heat maps, an error in histograms.
package plotting
