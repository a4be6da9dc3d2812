// SPDX-License-Identifier: GPL-2.0

package main

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Features is the cached value: 5 float64s and 2 integers, 56 bytes.
type Features struct {
	VWAP, Volatility, Spread, Mid, Last float64
	Ticks                               uint64
	ComputedAtNs                        int64 // wall clock
}

type entry struct {
	key        string
	feat       Features
	storedNs   int64 // since Cache.start, for the TTL
	prev, next *entry
}

// Cache is an exact LRU behind one mutex.
type Cache struct {
	mu         sync.Mutex
	index      map[string]*entry
	head, tail *entry // most recently used at head
	capacity   int
	ttlNs      int64 // 0: entries never expire
	start      time.Time

	hitMarks, missMarks uint64 // calls of hit() and miss(), atomic
}

func NewCache(capacity int, ttlNs int64) *Cache {
	return &Cache{index: make(map[string]*entry, capacity), capacity: capacity, ttlNs: ttlNs,
		start: time.Now()}
}

// Get is the probed lookup: true on a hit. On a miss it calls load exactly once, on the
// calling goroutine, and caches the result.
//
//go:noinline
func (c *Cache) Get(symbol string) (Features, bool) {
	if f, ok := c.fetch(symbol); ok {
		return f, true
	}
	f := c.load(symbol)
	c.store(symbol, f)
	return f, false
}

// load is the probed miss function: it replays 256 synthetic ticks derived from the symbol.
//
//go:noinline
func (c *Cache) load(symbol string) Features {
	rng := uint64(0xcbf29ce484222325)
	for i := 0; i < len(symbol); i++ {
		rng = (rng ^ uint64(symbol[i])) * 0x100000001b3
	}
	base := 5.0 + float64(rng%100000)/100.0
	sigma := 0.0002 + 0.0008*rndUnit(&rng)
	price, bid, ask := base, base, base
	var sumPV, sumV, sumSpread, sumR, sumR2 float64
	const n = 256
	for i := 0; i < n; i++ {
		prev := price
		volume := float64(1+rnd(&rng)%1000) * 100.0
		half := price * (0.00005 + 0.0002*rndUnit(&rng))
		price *= 1.0 + sigma*1.7320508*(2.0*rndUnit(&rng)-1.0)
		r := math.Log(price / prev)
		mid := price + half*(rndUnit(&rng)-0.5)
		bid, ask = mid-half, mid+half
		sumPV += price * volume
		sumV += volume
		sumSpread += ask - bid
		sumR += r
		sumR2 += r * r
	}
	mean := sumR / n
	return Features{
		VWAP:         sumPV / sumV,
		Volatility:   math.Sqrt(math.Max(sumR2/n-mean*mean, 0)),
		Spread:       sumSpread / n,
		Mid:          (bid + ask) / 2,
		Last:         price,
		Ticks:        n,
		ComputedAtNs: time.Now().UnixNano(),
	}
}

// hit and miss are the markers of --mode hitmiss (fsprobe --hit F --miss G): the workload
// calls exactly one of them after every Get, with the same symbol.
//
//go:noinline
func (c *Cache) hit(symbol string) {
	atomic.AddUint64(&c.hitMarks, 1)
}

//go:noinline
func (c *Cache) miss(symbol string) {
	atomic.AddUint64(&c.missMarks, 1)
}

func (c *Cache) fetch(symbol string) (Features, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.index[symbol]
	if e == nil || (c.ttlNs != 0 && int64(time.Since(c.start))-e.storedNs >= c.ttlNs) {
		return Features{}, false
	}
	c.unlink(e)
	c.push(e)
	return e.feat, true
}

func (c *Cache) store(symbol string, f Features) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.index[symbol]
	if e == nil {
		if len(c.index) >= c.capacity {
			e = c.tail
			c.unlink(e)
			delete(c.index, e.key)
		} else {
			e = &entry{}
		}
		e.key = symbol
		c.index[symbol] = e
	} else {
		c.unlink(e)
	}
	c.push(e)
	e.feat = f
	e.storedNs = int64(time.Since(c.start))
}

func (c *Cache) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (c *Cache) push(e *entry) {
	e.next = c.head
	if c.head != nil {
		c.head.prev = e
	} else {
		c.tail = e
	}
	c.head = e
}

// rnd is splitmix64; rndUnit a uniform float64 in [0, 1): the featurestore PRNG.
func rnd(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func rndUnit(s *uint64) float64 {
	return float64(rnd(s)>>11) * 0x1p-53
}
