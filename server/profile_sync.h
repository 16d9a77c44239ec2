// ProfileSync: keeps the user preference profiles (commerce::UserPreferences,
// in memory) stored per user in the ProfileStore (aisle.db), so they survive
// a restart.
//
// Writing: Flush() stores every profile changed since the last flush
// (UserPreferences::TakeDirty + Serialize, one Put per user). A profile that
// fails to store stays pending and is written by the next flush. Start()
// runs a thread that flushes every flush_period_ms; Stop() flushes a last
// time, so a clean shutdown loses nothing. A crash loses at most the last
// period of preference updates (the events themselves are stored by the
// event routes; profiles are derived, best-effort state).
//
// Reading: Loader(store) is the UserPreferencesOptions::loader that fetches
// a user's stored profile the first time the user is seen after start-up.
//
// Start-up wiring (server/main.cc). Stored profiles already contain every
// event applied before the last flush, so when the loader is set the event
// replay must NOT feed UserPreferences again (that counts each event twice).
// Replay the events into the demand counters only:
//   BehaviourPipeline::Replay(events, window, {.update_preferences = false})
// The one exception is the first start with ProfileSync (no profile stored
// yet): then replay with preferences, Flush(), and from then on skip them.
// main.cc keeps that fact in a settings key.
//
// Deleting a user: call Erase() here rather than UserPreferences::Erase
// followed by ProfileStore::Delete, whose Delete could land before a Put of
// a flush in flight and leave the profile stored.
//
// Ownership: borrows the preferences and the store (both must outlive this
// object; Stop() or destroy it before closing the Store).
// Thread-safety: every method may be called from any thread; flushes are
// serialized. Flush and Erase block on the store's commit: call them off the
// I/O threads.
#ifndef AISLE_SERVER_PROFILE_SYNC_H_
#define AISLE_SERVER_PROFILE_SYNC_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "base/status.h"
#include "commerce/user_preferences.h"
#include "store/kv_stores.h"

namespace aisle::server {

struct ProfileSyncOptions {
  // Real time between two background flushes.
  int64_t flush_period_ms = 1000;
};

class ProfileSync {
 public:
  ProfileSync(commerce::UserPreferences* preferences, store::ProfileStore* profiles,
              ProfileSyncOptions options = {});
  ~ProfileSync();  // Stop()s (flushing once more).
  ProfileSync(const ProfileSync&) = delete;
  ProfileSync& operator=(const ProfileSync&) = delete;

  // The loader for UserPreferencesOptions::loader: the user's stored
  // profile, nullopt when none (or for an empty id, without a disk read).
  // It reads SQLite on the calling thread with a preferences lock stripe
  // held. UserPreferences asks again on every read of a user it does not
  // hold (a search by a visitor without events), so the loader remembers up
  // to `max_remembered_misses` ids with no stored profile (forgetting them
  // all when full) and answers those without a read. That is exact as long
  // as only this process writes the profiles: a profile is only ever stored
  // from a user UserPreferences holds, and for those it no longer asks.
  // `profiles` must outlive the returned function.
  static commerce::ProfileLoader Loader(const store::ProfileStore* profiles,
                                        size_t max_remembered_misses = 100'000);

  // Stores every profile changed since the last flush, plus those a previous
  // flush failed to store, and waits for the commits. Returns the first
  // error (the failed users stay pending); OK when there was nothing to do.
  // Users erased from memory meanwhile are skipped.
  absl::Status Flush();

  // Forgets the user in memory and in the store (right to erasure). Returns
  // the store's error, if any (the user is then still forgotten in memory).
  absl::Status Erase(const std::string& user_id);

  // Users whose last store attempt failed, waiting for the next flush.
  size_t pending_retries() const;

  // Starts the background flusher. No-op when already started.
  void Start();
  // Stops the flusher and flushes once more (errors go to stderr).
  // Idempotent; a no-op (no flush) when not started.
  void Stop();

 private:
  void Loop();

  commerce::UserPreferences* const preferences_;
  store::ProfileStore* const profiles_;
  const ProfileSyncOptions options_;

  // Serializes flushes and erasures: a store Delete queued under it is
  // ordered after every Put of an earlier flush (the store applies writes in
  // queue order).
  mutable std::mutex flush_mu_;
  absl::flat_hash_set<std::string> retry_;  // Guarded by flush_mu_.

  std::mutex thread_mu_;  // Guards Start/Stop.
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by wake_mu_.
  std::thread thread_;     // Guarded by thread_mu_.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_PROFILE_SYNC_H_
