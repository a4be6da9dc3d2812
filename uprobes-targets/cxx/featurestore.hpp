// SPDX-License-Identifier: GPL-2.0
/*
 * featurestore-cxx: the featurestore demo target in C++, keyed by std::string (libstdc++,
 * new ABI). fsprobe reads the key with cxx_string(arg1): arg0 is `this`.
 */
#ifndef FEATURESTORE_HPP
#define FEATURESTORE_HPP

#include <cstdint>
#include <ctime>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

struct Features {
	double vwap, volatility, spread, mid, last;
	uint64_t ticks;
	int64_t computed_at_ns; /* CLOCK_REALTIME */
};

class FeatureCache
{
      public:
	FeatureCache(size_t capacity, int64_t ttl_ns) : capacity_(capacity), ttl_ns_(ttl_ns)
	{
	}
	/* Probed lookup: true on a hit; on a miss compute() runs exactly once, inside. */
	bool get(const std::string &symbol, Features &out);
	/* Never called: makes the bare name FeatureCache::get ambiguous. */
	bool get(int id, Features &out);
	/* --mode find: this thread's copy of the cached value, or nullptr on a miss. */
	const Features *find(const std::string &symbol);
	/* --mode find: what the caller does after find() returned nullptr. */
	void insert(const std::string &symbol, Features &out);
	/* Probed miss function. */
	void compute(const std::string &symbol, Features &out);

      private:
	struct Entry {
		std::string key;
		Features feat;
		int64_t stored_ns;
	};
	bool fetch(const std::string &symbol, Features &out);
	void store(const std::string &symbol, const Features &f);

	std::mutex mu_;
	std::list<Entry> lru_; /* most recently used first */
	/* Views of the list entries' keys, which never move. */
	std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
	size_t capacity_;
	int64_t ttl_ns_; /* 0: entries never expire */
};

inline int64_t now_ns(clockid_t clk)
{
	timespec ts;
	clock_gettime(clk, &ts);
	return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/* splitmix64 and a uniform double in [0, 1): the featurestore PRNG. */
inline uint64_t rnd(uint64_t &s)
{
	uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

inline double rnd_unit(uint64_t &s)
{
	return double(rnd(s) >> 11) * 0x1p-53;
}

#endif
