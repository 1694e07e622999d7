package datasets

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // Register the JPEG decoder.
	_ "image/png"  // Register the PNG decoder.
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// ImageFolderOptions configures [LoadImageFolder].
type ImageFolderOptions struct {
	// Limit loads only the first Limit images in sorted path order (0 loads all).
	Limit int
	// Unlabeled ignores the folder structure: every image found is loaded and Labels is nil
	// (for FFHQ, whose subfolders 00000, 01000, … are not classes).
	Unlabeled bool
}

// imageExtensions are the file name extensions LoadImageFolder reads (compared in lower case).
var imageExtensions = []string{".png", ".jpg", ".jpeg"}

// LoadImageFolder loads every PNG and JPEG file (extensions .png, .jpg, .jpeg in any case)
// found recursively under dir, in sorted path order, as height×width×3 RGB images in [0, 1].
// Each image's largest centred region with the aspect ratio width:height is cropped and
// resized (filter of [Images.Resize]); grayscale images are repeated over the three channels
// and an alpha channel is dropped (PIL's convert("RGB")). Hidden files and folders (name
// starting with ".") are skipped.
//
// Classes (ImageNet layout, dir/<class>/…/<image>): the class of an image is the name of the
// top-level subfolder it lies under, classes sorted by name, labels indexing them. If all
// images lie directly in dir, or with opts.Unlabeled, the images are unlabeled. Images lying
// directly in dir beside class subfolders are an error. Name is the base name of dir.
func LoadImageFolder(dir string, height, width int, opts ImageFolderOptions) (*Images, error) {
	if height <= 0 || width <= 0 || opts.Limit < 0 {
		return nil, fmt.Errorf("datasets: LoadImageFolder(%s, %d, %d): height and width must be positive and Limit ≥ 0", dir, height, width)
	}
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !slices.Contains(imageExtensions, strings.ToLower(filepath.Ext(path))) {
			return nil
		}
		paths = append(paths, path)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("datasets: listing image folder %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("datasets: no PNG or JPEG file (%s) found under %s", strings.Join(imageExtensions, ", "), dir)
	}
	slices.Sort(paths) // WalkDir already walks in lexical order; sort the full paths to be explicit.
	if opts.Limit > 0 && len(paths) > opts.Limit {
		paths = paths[:opts.Limit]
	}

	// Classes from top-level subfolders.
	var classOf []string
	var classes []string
	if !opts.Unlabeled {
		classOf = make([]string, len(paths))
		var atRoot, inSub string
		for i, p := range paths {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return nil, fmt.Errorf("datasets: image folder %s: %w", dir, err)
			}
			parts := strings.Split(filepath.ToSlash(rel), "/")
			if len(parts) == 1 {
				atRoot = p
				continue
			}
			inSub = p
			classOf[i] = parts[0]
		}
		switch {
		case atRoot != "" && inSub != "":
			return nil, fmt.Errorf("datasets: image folder %s mixes images directly in it (%s) with images in class subfolders (%s): move the images into subfolders, or set ImageFolderOptions.Unlabeled",
				dir, atRoot, inSub)
		case inSub == "":
			classOf = nil // Flat folder: unlabeled.
		default:
			classes = slices.Clone(classOf)
			slices.Sort(classes)
			classes = slices.Compact(classes)
		}
	}

	im := &Images{Name: filepath.Base(filepath.Clean(dir)), N: len(paths), Height: height, Width: width, Channels: 3,
		Pixels: make([]float32, len(paths)*height*width*3)}
	if classOf != nil {
		im.Classes = classes
		im.Labels = make([]int, len(paths))
		for i, c := range classOf {
			im.Labels[i], _ = slices.BinarySearch(classes, c)
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
		errIndex = len(paths)
	)
	sz := im.ImageSize()
	parallelFor(len(paths), func() struct{} { return struct{}{} }, func(_ struct{}, i int) {
		err := decodeCropResize(paths[i], im.Pixels[i*sz:(i+1)*sz], height, width)
		if err != nil {
			mu.Lock()
			if i < errIndex { // Report the first failing file in path order, deterministically.
				firstErr, errIndex = err, i
			}
			mu.Unlock()
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return im, nil
}

// decodeCropResize decodes an image file and writes it, centre-cropped to the aspect ratio
// width:height and resized, into dst (height·width·3 values in [0, 1]).
func decodeCropResize(path string, dst []float32, height, width int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("datasets: decoding image %s: %w (corrupt or not a PNG/JPEG file? remove it)", path, err)
	}
	b := img.Bounds()
	w0, h0 := b.Dx(), b.Dy()
	if w0 == 0 || h0 == 0 {
		return fmt.Errorf("datasets: image %s is empty (%d×%d)", path, w0, h0)
	}
	// Largest centred crop with ratio width:height: crop width cw = min(w0, h0·width/height).
	cw, ch := w0, h0
	if int64(w0)*int64(height) > int64(h0)*int64(width) { // Too wide.
		cw = max(1, int((int64(h0)*int64(width)+int64(height)/2)/int64(height)))
	} else {
		ch = max(1, int((int64(w0)*int64(height)+int64(width)/2)/int64(width)))
	}
	x0, y0 := b.Min.X+(w0-cw)/2, b.Min.Y+(h0-ch)/2
	src := make([]float32, cw*ch*3)
	toRGB(img, x0, y0, cw, ch, src)
	if cw == width && ch == height {
		copy(dst, src)
		return nil
	}
	r := newResizer(ch, cw, height, width, 3)
	r.resize(src, dst, make([]float32, ch*width*3))
	return nil
}

// toRGB writes the w×h region of img starting at (x0, y0) as RGB floats in [0, 1], ignoring
// alpha (non-premultiplied colour), into dst; 8-bit values v become v/255 as in the other
// loaders.
func toRGB(img image.Image, x0, y0, w, h int, dst []float32) {
	switch m := img.(type) {
	case *image.YCbCr:
		for y := range h {
			for x := range w {
				yi := m.YOffset(x0+x, y0+y)
				ci := m.COffset(x0+x, y0+y)
				r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				p := (y*w + x) * 3
				dst[p], dst[p+1], dst[p+2] = float32(r)/255, float32(g)/255, float32(bb)/255
			}
		}
	case *image.Gray:
		for y := range h {
			for x := range w {
				v := float32(m.GrayAt(x0+x, y0+y).Y) / 255
				p := (y*w + x) * 3
				dst[p], dst[p+1], dst[p+2] = v, v, v
			}
		}
	case *image.NRGBA:
		for y := range h {
			for x := range w {
				c := m.NRGBAAt(x0+x, y0+y)
				p := (y*w + x) * 3
				dst[p], dst[p+1], dst[p+2] = float32(c.R)/255, float32(c.G)/255, float32(c.B)/255
			}
		}
	default:
		for y := range h {
			for x := range w {
				c := color.NRGBA64Model.Convert(img.At(x0+x, y0+y)).(color.NRGBA64)
				p := (y*w + x) * 3
				dst[p], dst[p+1], dst[p+2] = float32(c.R)/65535, float32(c.G)/65535, float32(c.B)/65535
			}
		}
	}
}
