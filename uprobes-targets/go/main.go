// SPDX-License-Identifier: GPL-2.0

// featurestore-go: the featurestore demo target in Go. Goroutines look symbols up through
// (*Cache).Get, which calls (*Cache).load on a miss. Flags, tally file, symbol names, Zipf
// model, PRNG streams and signals follow uprobes-targets/featurestore.
package main

import (
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var tickers = []string{
	"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V",
	"UNH", "XOM", "JNJ", "MA", "PG", "AVGO", "HD", "CVX", "MRK", "ABBV",
	"COST", "PEP", "KO", "ADBE", "WMT", "BAC", "CRM", "MCD", "CSCO", "TMO",
	"ACN", "NFLX", "AMD", "LIN", "ORCL", "ABT", "DIS", "WFC", "INTC", "CMCSA",
	"VZ", "TXN", "PFE", "QCOM", "NKE", "IBM", "GS", "MS", "CAT", "BA",
}

type options struct {
	symbols, threads, requests, seed, capacity, ttlMs uint64
	zipf, rate, duration                              float64
	waitStart, hold, hitMiss                          bool
	tally                                             string
}

var (
	opt      = options{symbols: 1500, zipf: 1.1, threads: 2, seed: 1, capacity: 1024}
	names    []string
	cdf      []float64
	byName   []int
	hits     []uint64 // per symbol, atomic
	misses   []uint64
	stopping int32 // atomic
)

const usageText = `usage: featurestore-go [OPTION]...
The featurestore target in Go: (*Cache).Get looks up, (*Cache).load computes on a miss.

  --symbols N  --zipf S  --threads T  --rate R  --requests N  --duration SECS
  --seed N  --capacity N  --ttl-ms MS  --tally PATH  --wait-start  --hold
      as in featurestore (defaults 1500, 1.1, 2, 0, 0, 0, 1, 1024, 0, stdout);
      --threads is the number of load goroutines
  --mode get|hitmiss  hitmiss: also call (*Cache).hit or (*Cache).miss after each Get
`

func usageError(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "featurestore-go: "+format+"\n", a...)
	os.Exit(2)
}

func parseUint(name, arg string, min, max uint64) uint64 {
	kind := "non-negative"
	if min > 0 {
		kind = "positive"
	}
	if arg == "" || arg[0] < '0' || arg[0] > '9' {
		usageError("--%s: expected a %s integer, got '%s'", name, kind, arg)
	}
	v, err := strconv.ParseUint(arg, 10, 64)
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange || err == nil && v > max {
		usageError("--%s: expected at most %d, got '%s'", name, max, arg)
	}
	if err != nil || v < min {
		usageError("--%s: expected a %s integer, got '%s'", name, kind, arg)
	}
	return v
}

func parseFloat(name, arg string) float64 {
	v, err := strconv.ParseFloat(arg, 64)
	if arg == "" || (arg[0] < '0' || arg[0] > '9') && arg[0] != '.' || err != nil ||
		math.IsInf(v, 0) || math.IsNaN(v) || v < 0 {
		usageError("--%s: expected a non-negative number, got '%s'", name, arg)
	}
	return v
}

func parseOptions(args []string) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "-h" || arg == "--help" {
			fmt.Print(usageText)
			os.Exit(0)
		}
		if !strings.HasPrefix(arg, "--") || arg == "--" {
			usageError("unexpected argument '%s' (try --help)", arg)
		}
		name, val, hasVal := strings.Cut(arg[2:], "=")
		flag := func() { // a flag without a value
			if hasVal {
				usageError("option '--%s' doesn't allow an argument", name)
			}
		}
		value := func() string {
			if !hasVal {
				if i+1 >= len(args) {
					usageError("option '%s' requires an argument", arg)
				}
				i++
				val = args[i]
			}
			return val
		}
		switch name {
		case "symbols":
			opt.symbols = parseUint(name, value(), 1, 10000000)
		case "zipf":
			opt.zipf = parseFloat(name, value())
		case "threads":
			opt.threads = parseUint(name, value(), 1, 1024)
		case "rate":
			opt.rate = parseFloat(name, value())
		case "requests":
			opt.requests = parseUint(name, value(), 0, math.MaxUint64)
		case "duration":
			opt.duration = parseFloat(name, value())
		case "seed":
			opt.seed = parseUint(name, value(), 0, math.MaxUint64)
		case "capacity":
			opt.capacity = parseUint(name, value(), 1, 1<<26)
		case "ttl-ms":
			opt.ttlMs = parseUint(name, value(), 0, 1000*86400*365)
		case "tally":
			if opt.tally = value(); opt.tally == "" {
				usageError("--tally: expected a path, got ''")
			}
		case "wait-start":
			flag()
			opt.waitStart = true
		case "hold":
			flag()
			opt.hold = true
		case "mode":
			switch v := value(); v {
			case "get", "hitmiss":
				opt.hitMiss = v == "hitmiss"
			default:
				usageError("--mode: expected get or hitmiss, got '%s'", v)
			}
		default:
			usageError("unrecognized option '%s' (try --help)", arg)
		}
	}
}

func universeInit() {
	sum := 0.0
	for i := 0; i < int(opt.symbols); i++ {
		if i < len(tickers) {
			names = append(names, tickers[i])
		} else {
			names = append(names, fmt.Sprintf("SYM%05d", i+1))
		}
		sum += math.Pow(float64(i+1), -opt.zipf)
		cdf = append(cdf, sum)
		byName = append(byName, i)
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	cdf[len(cdf)-1] = 1.0
	sort.Slice(byName, func(a, b int) bool { return names[byName[a]] < names[byName[b]] })
	hits = make([]uint64, opt.symbols)
	misses = make([]uint64, opt.symbols)
}

func pick(rng *uint64) int {
	u := rndUnit(rng)
	if opt.zipf == 0 {
		return int(u * float64(opt.symbols))
	}
	return sort.Search(len(cdf), func(i int) bool { return cdf[i] > u })
}

func worker(c *Cache, rng uint64) {
	var period time.Duration
	if opt.rate > 0 {
		if period = time.Duration(1e9 / opt.rate); period < 1 {
			period = 1
		}
	}
	deadline := time.Now()
	buf := make([]byte, 0, 32)
	rnd(&rng) // decorrelate neighbouring seeds
	for done := uint64(0); opt.requests == 0 || done < opt.requests; done++ {
		if atomic.LoadInt32(&stopping) != 0 {
			break
		}
		if period != 0 {
			if deadline = deadline.Add(period); time.Since(deadline) > time.Second {
				deadline = time.Now()
			}
			for d := time.Until(deadline); d > 0 && atomic.LoadInt32(&stopping) == 0; d = time.Until(deadline) {
				time.Sleep(minDuration(d, 100*time.Millisecond))
			}
		}
		idx := pick(&rng)
		// A request-scoped copy, as if parsed off the wire.
		symbol := string(append(buf[:0], names[idx]...))
		_, hit := c.Get(symbol)
		if opt.hitMiss {
			if hit {
				c.hit(symbol)
			} else {
				c.miss(symbol)
			}
		}
		if hit {
			atomic.AddUint64(&hits[idx], 1)
		} else {
			atomic.AddUint64(&misses[idx], 1)
		}
	}
}

func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// writeTally writes PATH.tmp and renames it over PATH, or prints to stdout.
func writeTally() error {
	var b strings.Builder
	var th, tm uint64
	for _, idx := range byName {
		h, m := atomic.LoadUint64(&hits[idx]), atomic.LoadUint64(&misses[idx])
		if h+m == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s %d %d %d\n", names[idx], h+m, h, m)
		th += h
		tm += m
	}
	fmt.Fprintf(&b, "TOTAL %d %d %d\n", th+tm, th, tm)
	if opt.tally == "" {
		_, err := os.Stdout.WriteString(b.String())
		return err
	}
	// /dev/null, a FIFO...: write in place; renaming over it would replace the device.
	if fi, err := os.Stat(opt.tally); err == nil && !fi.Mode().IsRegular() {
		return os.WriteFile(opt.tally, []byte(b.String()), 0o644)
	}
	tmp := opt.tally + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, opt.tally); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func tallyOrDie(fatal bool) {
	if err := writeTally(); err != nil {
		fmt.Fprintf(os.Stderr, "featurestore-go: writing tally: %v\n", err)
		if fatal {
			os.Exit(1)
		}
	}
}

func main() {
	// Before anything can send us a signal: SIGUSR1 must not kill us while we get ready.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM)

	parseOptions(os.Args[1:])
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	universeInit()
	cache := NewCache(int(opt.capacity), int64(opt.ttlMs)*1e6)

	if opt.waitStart {
		fmt.Printf("ready pid=%d\n", os.Getpid()) // os.Stdout is unbuffered
	wait:
		for s := range sigs {
			switch s {
			case syscall.SIGUSR1:
				break wait
			case syscall.SIGUSR2:
				tallyOrDie(false)
			default:
				tallyOrDie(true)
				os.Exit(0)
			}
		}
	}

	start := time.Now()
	var wg sync.WaitGroup
	for i := uint64(0); i < opt.threads; i++ {
		wg.Add(1)
		go func(rng uint64) {
			defer wg.Done()
			worker(cache, rng)
		}(opt.seed + i)
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	var timeout <-chan time.Time
	if opt.duration > 0 {
		timeout = time.After(time.Duration(opt.duration * 1e9))
	}
	signalled := false
run:
	for {
		select {
		case <-allDone:
			break run
		case <-timeout:
			break run
		case s := <-sigs:
			if s == syscall.SIGUSR2 {
				tallyOrDie(false)
			} else if s != syscall.SIGUSR1 {
				signalled = true
				break run
			}
		}
	}
	atomic.StoreInt32(&stopping, 1)
	<-allDone
	fmt.Fprintf(os.Stderr, "elapsed_ns=%d\n", time.Since(start).Nanoseconds())
	if opt.hitMiss && cache.hitMarks+cache.missMarks != sum(hits)+sum(misses) {
		fmt.Fprintf(os.Stderr, "featurestore-go: marker calls %d+%d do not match the tally\n",
			cache.hitMarks, cache.missMarks)
	}
	tallyOrDie(true)

	if opt.hold && !signalled {
		fmt.Println("done")
		for s := range sigs {
			if s == syscall.SIGUSR2 {
				tallyOrDie(false)
			} else if s != syscall.SIGUSR1 {
				break
			}
		}
	}
}

func sum(v []uint64) (t uint64) {
	for i := range v {
		t += atomic.LoadUint64(&v[i])
	}
	return t
}
