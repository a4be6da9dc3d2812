// SPDX-License-Identifier: GPL-2.0
/*
 * FeatureCache: an exact LRU behind one mutex, and the probed functions.
 *
 *   g++ -std=c++17 -O2 -g -pthread -o featurestore-cxx featurestore.cpp workload.cpp
 *
 * Probed: FeatureCache::get(std::string const&, Features&) (lookup, true on a hit),
 * FeatureCache::compute(std::string const&, Features&) (miss, called only from get()), and
 * in --mode find FeatureCache::find(std::string const&) (nullptr on a miss).
 */
#include <cmath>

#include "featurestore.hpp"

#if defined(__clang__)
#define PROBED __attribute__((noinline, used))
#else
#define PROBED __attribute__((noinline, noclone, used))
#endif

/* A copy of the fresh entry for SYMBOL, which becomes the most recent; false if none. */
bool FeatureCache::fetch(const std::string &symbol, Features &out)
{
	std::lock_guard<std::mutex> g(mu_);
	auto it = index_.find(symbol);
	if (it == index_.end())
		return false;
	if (ttl_ns_ && now_ns(CLOCK_MONOTONIC) - it->second->stored_ns >= ttl_ns_)
		return false;
	lru_.splice(lru_.begin(), lru_, it->second);
	out = it->second->feat;
	return true;
}

void FeatureCache::store(const std::string &symbol, const Features &f)
{
	std::lock_guard<std::mutex> g(mu_);
	auto it = index_.find(symbol);
	if (it == index_.end()) {
		if (lru_.size() >= capacity_) {
			index_.erase(lru_.back().key);
			lru_.pop_back();
		}
		lru_.push_front(Entry{ symbol, f, 0 });
		it = index_.emplace(lru_.front().key, lru_.begin()).first;
	} else {
		lru_.splice(lru_.begin(), lru_, it->second);
		it->second->feat = f;
	}
	it->second->stored_ns = now_ns(CLOCK_MONOTONIC);
}

PROBED bool FeatureCache::get(const std::string &symbol, Features &out)
{
	if (fetch(symbol, out))
		return true;
	compute(symbol, out);
	store(symbol, out);
	return false;
}

PROBED bool FeatureCache::get(int id, Features &out)
{
	return get("ID" + std::to_string(id), out);
}

PROBED const Features *FeatureCache::find(const std::string &symbol)
{
	static thread_local Features copy;
	return fetch(symbol, copy) ? &copy : nullptr;
}

PROBED void FeatureCache::insert(const std::string &symbol, Features &out)
{
	compute(symbol, out);
	store(symbol, out);
}

/* The probed miss function: replays 256 synthetic ticks derived from the symbol. */
PROBED void FeatureCache::compute(const std::string &symbol, Features &out)
{
	uint64_t rng = 0xcbf29ce484222325ULL;
	for (unsigned char c : symbol)
		rng = (rng ^ c) * 0x100000001b3ULL;
	double base = 5.0 + double(rng % 100000) / 100.0;
	double sigma = 0.0002 + 0.0008 * rnd_unit(rng);
	double price = base, bid = base, ask = base;
	double sum_pv = 0, sum_v = 0, sum_spread = 0, sum_r = 0, sum_r2 = 0;
	const int n = 256;

	for (int i = 0; i < n; i++) {
		double prev = price;
		double volume = double(1 + rnd(rng) % 1000) * 100.0;
		double half = price * (0.00005 + 0.0002 * rnd_unit(rng));
		price *= 1.0 + sigma * 1.7320508 * (2.0 * rnd_unit(rng) - 1.0);
		double r = std::log(price / prev);
		double mid = price + half * (rnd_unit(rng) - 0.5);
		bid = mid - half;
		ask = mid + half;
		sum_pv += price * volume;
		sum_v += volume;
		sum_spread += ask - bid;
		sum_r += r;
		sum_r2 += r * r;
	}
	double mean = sum_r / n;
	out.vwap = sum_pv / sum_v;
	out.volatility = std::sqrt(std::fmax(sum_r2 / n - mean * mean, 0.0));
	out.spread = sum_spread / n;
	out.mid = (bid + ask) / 2.0;
	out.last = price;
	out.ticks = n;
	out.computed_at_ns = now_ns(CLOCK_REALTIME);
}
