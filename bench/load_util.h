// What the benchmarks share: a scratch directory, percentiles, and for the
// HTTP load generators (ingest_load, checkout_load) a per-connection random
// source and CPU accounting that tells, on a shared VM, how much of a run
// the client, the server and everyone else used.
#ifndef AISLE_BENCH_LOAD_UTIL_H_
#define AISLE_BENCH_LOAD_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace aisle::bench {

// splitmix64: one per connection, so threads share no random state.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// The value at quantile p in [0, 1] of an ascending vector; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);
// The same of unsorted values (sorts a copy).
double Quantile(std::vector<double> values, double p);

// A fresh directory under the system temp dir ("<prefix>-<pid>-<n>"),
// removed with its contents on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// user + system CPU seconds of a process (or, from a task's stat path, a
// thread), from /proc.
double ProcessCpuSeconds(int pid);
double StatCpuSeconds(const std::string& stat_path);
// CPU seconds per thread id of a process.
std::map<std::string, double> ThreadCpuSeconds(int pid);
// This process's user + system CPU seconds.
double SelfCpuSeconds();

// Busy, iowait and total CPU seconds of the machine since boot (/proc/stat,
// every core). What the server and the client did not use was used by
// others: on a shared VM a compiler can halve the figures, and it must show
// in the report; iowait shows time spent waiting for fsync.
struct MachineCpu {
  double busy_s = 0;
  double iowait_s = 0;
  double total_s = 0;
};
MachineCpu ReadMachineCpu();

}  // namespace aisle::bench

#endif  // AISLE_BENCH_LOAD_UTIL_H_
