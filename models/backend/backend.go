// Package backend is the one place in sparselab that creates the GoMLX compute backend.
//
// A backend executes GoMLX graphs. sparselab knows three:
//
//   - "xla": XLA through a PJRT plugin (CPU or CUDA). go-xla downloads its plugin from the internet,
//     which sparselab never does unless asked (SPARSELAB_ALLOW_DOWNLOAD=1); a plugin already
//     installed (PJRT_PLUGIN_LIBRARY_PATH, /usr/local/lib/go-xla, ~/.local/lib/go-xla) or the CUDA
//     plugin of a JAX install (jax_plugins/xla_cuda*/xla_cuda_plugin.so) is found and used.
//   - "onnx": ONNX Runtime on the CPU through github.com/gomlx/compute-onnx. The shared library is
//     taken from ONNXRUNTIME_SHARED_LIBRARY_PATH or from $SPARSELAB_CACHE/onnxruntime (where
//     scripts/setup.sh installs it from the onnxruntime-node npm package).
//   - "go": the pure-Go backend, always available.
//
// [New] with an empty configuration honours GOMLX_BACKEND and otherwise picks, in order, XLA if a
// plugin is installed, ONNX Runtime if its library is present, else the pure-Go backend.
// The configuration string has GoMLX's form "<name>[:<options>]", e.g. "go", "onnx:cpu",
// "xla:cuda" or "xla:/path/to/pjrt_plugin.so".
package backend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	onnxbackend "github.com/gomlx/compute-onnx"
	_ "github.com/gomlx/compute/gobackend" // registers "go"
	"github.com/gomlx/go-xla/compute/xla"  // registers "xla"
	"github.com/gomlx/go-xla/installer"
	"github.com/gomlx/go-xla/pjrt"
)

// Names of the backends sparselab knows, in order of preference.
const (
	XLA  = "xla"
	ONNX = "onnx"
	Go   = "go"
)

// EnvAllowDownload, when set to "1", lets go-xla and compute-onnx download their native libraries.
const EnvAllowDownload = "SPARSELAB_ALLOW_DOWNLOAD"

// Choice describes a backend selection: what was asked, what was picked and why.
type Choice struct {
	Name   string // "xla", "onnx" or "go"
	Config string // the full GoMLX configuration string passed to the backend constructor
	Reason string // why this backend was picked, for humans
}

func (c Choice) String() string { return fmt.Sprintf("%s (%s)", c.Config, c.Reason) }

var initOnce sync.Once

func initDownloads() {
	initOnce.Do(func() {
		if os.Getenv(EnvAllowDownload) != "1" {
			xla.EnableAutoInstall(false)
			// compute-onnx reads this variable at init time; keep it for child processes too.
			_ = os.Setenv(onnxbackend.NoAutoInstallEnv, "1")
		}
	})
}

// CacheDir is sparselab's cache: $SPARSELAB_CACHE, else $HOME/.cache/sparselab.
func CacheDir() string {
	if d := os.Getenv("SPARSELAB_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "sparselab-cache")
	}
	return filepath.Join(home, ".cache", "sparselab")
}

// ONNXLibrary returns the path of the ONNX Runtime shared library, or "" if none is installed.
func ONNXLibrary() string {
	if p := os.Getenv("ONNXRUNTIME_SHARED_LIBRARY_PATH"); p != "" {
		if fileExists(p) {
			return p
		}
		return ""
	}
	for _, name := range []string{"libonnxruntime.so.1", "libonnxruntime.so"} {
		p := filepath.Join(CacheDir(), "onnxruntime", name)
		if fileExists(p) {
			return p
		}
	}
	return ""
}

// XLAPlugin returns the name or path of an installed PJRT plugin that go-xla can load ("cuda",
// "cpu" or an absolute path to a JAX CUDA plugin), or "" if there is none. It never downloads.
func XLAPlugin() string {
	initDownloads()
	plugins := pjrt.AvailablePlugins()
	for _, name := range []string{"cuda", "cpu"} {
		if _, ok := plugins[name]; ok {
			return name
		}
	}
	names := make([]string, 0, len(plugins))
	for name := range plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) > 0 {
		return names[0]
	}
	if p := jaxCUDAPlugin(); p != "" {
		return p
	}
	return ""
}

// jaxCUDAPlugin looks for the XLA CUDA plugin that a JAX install carries. Using it also needs the
// nvidia/*/lib folders beside it on LD_LIBRARY_PATH (see the README's GPU section).
func jaxCUDAPlugin() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	var roots []string
	if v := os.Getenv("VIRTUAL_ENV"); v != "" {
		roots = append(roots, filepath.Join(v, "lib", "python3*", "site-packages"))
	}
	home, _ := os.UserHomeDir()
	roots = append(roots,
		filepath.Join(home, ".local", "lib", "python3*", "site-packages"),
		"/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages",
		"/usr/lib/python3/dist-packages", "/opt/conda/lib/python3*/site-packages")
	for _, root := range roots {
		matches, _ := filepath.Glob(filepath.Join(root, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so"))
		if len(matches) > 0 {
			sort.Strings(matches)
			return matches[len(matches)-1]
		}
	}
	return ""
}

// Available lists the backends that can run on this machine now, in order of preference.
func Available() []string {
	var out []string
	if XLAPlugin() != "" {
		out = append(out, XLA)
	}
	if ONNXLibrary() != "" && onnxbackend.IsSupportedPlatform() {
		out = append(out, ONNX)
	}
	return append(out, Go)
}

// ErrUnknown is wrapped by the error of a configuration that names no backend (as opposed to a
// known backend that is not installed here).
var ErrUnknown = errors.New("unknown backend")

// Pick resolves a configuration into a Choice without creating the backend. An empty config means:
// $GOMLX_BACKEND if set, else the first of Available.
func Pick(config string) (Choice, error) {
	initDownloads()
	reason := "asked for"
	if config == "" {
		if env, ok := os.LookupEnv(compute.ConfigEnvVar); ok && env != "" {
			config, reason = env, "from $"+compute.ConfigEnvVar
		}
	}
	if config == "" {
		switch {
		case XLAPlugin() != "":
			return Choice{Name: XLA, Config: XLA + ":" + XLAPlugin(), Reason: "XLA PJRT plugin installed"}, nil
		case ONNXLibrary() != "" && onnxbackend.IsSupportedPlatform():
			return Choice{Name: ONNX, Config: ONNX + ":cpu", Reason: "ONNX Runtime library at " + ONNXLibrary()}, nil
		default:
			return Choice{Name: Go, Config: Go, Reason: "pure-Go backend (no XLA plugin or ONNX Runtime library found)"}, nil
		}
	}
	name, opts, _ := strings.Cut(config, ":")
	switch name {
	case Go:
		return Choice{Name: Go, Config: config, Reason: reason}, nil
	case ONNX:
		if ONNXLibrary() == "" && os.Getenv(EnvAllowDownload) != "1" {
			return Choice{}, fmt.Errorf("backend %q: no ONNX Runtime library found in $ONNXRUNTIME_SHARED_LIBRARY_PATH or %s; run `scripts/setup.sh onnx` (or set %s=1 to let compute-onnx download it)",
				config, filepath.Join(CacheDir(), "onnxruntime"), EnvAllowDownload)
		}
		if opts == "" {
			config = ONNX + ":cpu"
		}
		return Choice{Name: ONNX, Config: config, Reason: reason}, nil
	case XLA, "stablehlo", "hlo", "shlo":
		if opts == "" {
			p := XLAPlugin()
			if p == "" && os.Getenv(EnvAllowDownload) != "1" {
				return Choice{}, fmt.Errorf("backend %q: no XLA PJRT plugin installed (searched $PJRT_PLUGIN_LIBRARY_PATH, /usr/local/lib/go-xla, ~/.local/lib/go-xla and JAX installs); set %s=1 to let go-xla download one, or use GOMLX_BACKEND=onnx or go",
					config, EnvAllowDownload)
			}
			if p != "" {
				config = XLA + ":" + p
			}
		}
		return Choice{Name: XLA, Config: config, Reason: reason}, nil
	default:
		return Choice{}, fmt.Errorf("%w %q: want one of %q, %q or %q, optionally with options after a colon (e.g. \"go\", \"onnx:cpu\", \"xla:cuda\")",
			ErrUnknown, config, XLA, ONNX, Go)
	}
}

// New creates the backend for config (see [Pick]) and reports the choice made.
func New(config string) (compute.Backend, Choice, error) {
	choice, err := Pick(config)
	if err != nil {
		return nil, choice, err
	}
	if choice.Name == ONNX {
		if lib := ONNXLibrary(); lib != "" && os.Getenv("ONNXRUNTIME_SHARED_LIBRARY_PATH") == "" {
			_ = os.Setenv("ONNXRUNTIME_SHARED_LIBRARY_PATH", lib)
		}
	}
	b, err := newWithConfig(choice.Config)
	if err != nil {
		return nil, choice, fmt.Errorf("creating GoMLX backend %q: %w", choice.Config, err)
	}
	return b, choice, nil
}

// newWithConfig calls compute.NewWithConfig, turning its panics (unknown backend) into errors.
func newWithConfig(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return compute.NewWithConfig(config)
}

var (
	defaultMu      sync.Mutex
	defaultBackend compute.Backend
	defaultChoice  Choice
)

// Default returns a process-wide backend created by New("") on first use.
func Default() (compute.Backend, Choice, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultBackend != nil {
		return defaultBackend, defaultChoice, nil
	}
	b, c, err := New("")
	if err != nil {
		return nil, c, err
	}
	defaultBackend, defaultChoice = b, c
	return b, c, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// InstallXLA downloads and installs an XLA PJRT plugin with go-xla's installer: plugin is "cpu" or
// "cuda" (CUDA 13 libraries from JAX's PyPI wheels). It needs internet; libDir is a "lib" folder
// under which a "go-xla" folder is created ("" means ~/.local/lib). Nothing else in sparselab
// downloads a plugin.
func InstallXLA(plugin, libDir string) error {
	if libDir == "" {
		d, err := installer.DefaultHomeLibPath()
		if err != nil {
			return fmt.Errorf("installing the XLA %s plugin: %w", plugin, err)
		}
		libDir = d
	}
	goxla := filepath.Join(libDir, "go-xla")
	var err error
	switch plugin {
	case "cpu":
		err = installer.CPUAutoInstall(goxla, true, installer.Normal)
	case "cuda", "cuda13", "cuda12":
		if plugin == "cuda" {
			plugin = "cuda13"
		}
		err = installer.CudaInstall(plugin, "latest", goxla, true, installer.Normal)
	default:
		return fmt.Errorf("unknown XLA plugin %q: want cpu or cuda", plugin)
	}
	if err != nil {
		return fmt.Errorf("installing the XLA %s plugin into %s (needs internet): %w", plugin, goxla, err)
	}
	return nil
}
