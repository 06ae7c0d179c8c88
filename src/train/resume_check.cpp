#include "train/resume_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/error.h"
#include "net/json_reader.h"

namespace bcnn {
namespace {

// A simple 64-bit mix over 8-byte words (splitmix64's finalizer per word): fast enough for the
// 180 MB of MNIST in a fraction of a second, and changed by any flipped bit.
std::uint64_t mix(std::uint64_t h, std::uint64_t word) {
  h ^= word + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

std::uint64_t hash_bytes(std::uint64_t h, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    h = mix(h, word);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p + i, bytes - i);
  return mix(mix(h, tail), bytes);
}

void collect_differences(const nlohmann::json& before, const nlohmann::json& now, const std::string& pointer,
                         std::vector<std::string>& out) {
  if (before == now) return;
  if (before.is_object() && now.is_object()) {
    std::set<std::string> keys;
    for (const auto& [key, value] : before.items()) keys.insert(key);
    for (const auto& [key, value] : now.items()) keys.insert(key);
    for (const auto& key : keys) {
      const nlohmann::json absent;  // null: "nothing"
      collect_differences(before.contains(key) ? before.at(key) : absent, now.contains(key) ? now.at(key) : absent,
                          pointer + "/" + key, out);
    }
    return;
  }
  if (before.is_array() && now.is_array() && before.size() == now.size()) {
    for (std::size_t i = 0; i < before.size(); ++i)
      collect_differences(before[i], now[i], pointer + "/" + std::to_string(i), out);
    return;
  }
  auto text = [](const nlohmann::json& v) { return v.is_null() ? std::string("nothing") : v.dump(); };
  out.push_back(pointer + ": " + text(before) + " in the checkpoint, " + text(now) + " now");
}

[[noreturn]] void fail(const std::string& path, const std::string& field, const std::string& expected,
                       const std::string& found) {
  throw Error(path + ": " + field + ": expected " + expected + ", found " + found);
}

void check_range(const std::string& path, const std::string& field, std::int64_t value, std::int64_t min,
                 std::int64_t max) {
  if (value < min || value > max)
    fail(path, field, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]",
         std::to_string(value));
}

}  // namespace

std::string dataset_fingerprint(const Dataset& data) {
  std::uint64_t h = 0x6263'6e6e'6461'7461ULL;  // "bcnndata"
  const Shape shape = data.sample_shape();
  for (int d : shape) h = mix(h, static_cast<std::uint64_t>(d));
  h = hash_bytes(h, data.images.data(), data.images.size() * sizeof(float));
  h = hash_bytes(h, data.labels.data(), data.labels.size() * sizeof(std::int32_t));
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::string bytes_fingerprint(const void* data, std::size_t bytes) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_bytes(0, data, bytes)));
  return text;
}

std::string run_data_fingerprint(const Dataset& train_and_validation, const Dataset& test) {
  return "train:" + dataset_fingerprint(train_and_validation) + " test:" + dataset_fingerprint(test);
}

std::vector<std::string> train_setting_differences(const nlohmann::json& checkpoint_config,
                                                   const nlohmann::json& current_config) {
  auto settings = [](const nlohmann::json& config) {
    nlohmann::json train = config.is_object() && config.contains("train") ? config.at("train") : nlohmann::json();
    if (train.is_object()) {
      train.erase("data");  // a path; the data's contents are compared instead
      train.erase("threads");  // the shard layout, compared on its own
      train.erase("shards");
    }
    return train;
  };
  std::vector<std::string> out;
  collect_differences(settings(checkpoint_config), settings(current_config), "/train", out);
  return out;
}

std::string ShardLayout::text() const {
  return std::to_string(shards) + (shards == 1 ? " shard" : " shards") + " of " + std::to_string(threads_per_shard) +
         (threads_per_shard == 1 ? " thread" : " threads");
}

ShardLayout shard_layout(const nlohmann::json& train_settings, int ranks) {
  auto setting = [&](const char* key) {
    return train_settings.is_object() && train_settings.contains(key) && train_settings.at(key).is_number_integer()
               ? std::max(1, train_settings.at(key).get<int>())
               : 1;
  };
  const int threads = setting("threads");
  if (ranks > 1) return {ranks, threads};  // a rank is a shard with its own --threads
  const int shards = setting("shards");
  return {shards, std::max(1, threads / shards)};
}

std::vector<std::string> network_differences(const nlohmann::json& checkpoint_config,
                                             const nlohmann::json& current_config) {
  auto network = [](nlohmann::json config) {
    if (config.is_object()) {
      config.erase("train");
      config.erase("description");
    }
    return config;
  };
  std::vector<std::string> out;
  collect_differences(network(checkpoint_config), network(current_config), "", out);
  return out;
}

void check_checkpoint_state(const LoadedModel& ck, const std::string& path, const TrainSpec& spec,
                            int steps_per_epoch, const std::vector<std::string>& optimizer_buffers,
                            bool settings_unchanged) {
  const TrainState& s = ck.state;
  const std::string state = "train_state/";
  check_range(path, state + "epoch", s.epoch, 0, spec.epochs);
  check_range(path, state + "batch_in_epoch", s.batch_in_epoch, 0, steps_per_epoch - 1);
  if (s.epoch == spec.epochs && s.batch_in_epoch != 0)
    fail(path, state + "batch_in_epoch", "0 at the end of the last epoch", std::to_string(s.batch_in_epoch));
  const std::int64_t position = static_cast<std::int64_t>(s.epoch) * steps_per_epoch + s.batch_in_epoch;
  if (settings_unchanged && s.step != position)
    fail(path, state + "step",
         std::to_string(position) + " (epoch " + std::to_string(s.epoch) + " x " + std::to_string(steps_per_epoch) +
             " steps per epoch + batch " + std::to_string(s.batch_in_epoch) + ")",
         std::to_string(s.step));
  check_range(path, state + "step", s.step, 0, std::int64_t{1} << 53);
  const std::int64_t most_seen = static_cast<std::int64_t>(s.batch_in_epoch) * spec.batch;
  check_range(path, state + "epoch_seen", s.epoch_seen, 0, most_seen);
  check_range(path, state + "epoch_correct", s.epoch_correct, 0, s.epoch_seen);
  if (!std::isfinite(s.epoch_loss_sum) || s.epoch_loss_sum < 0)
    fail(path, state + "epoch_loss_sum", "a finite sum of losses (>= 0)", std::to_string(s.epoch_loss_sum));
  if (s.best_epoch == -1) {
    if (s.best_validation_accuracy != -1)
      fail(path, state + "best_validation_accuracy", "-1 while no epoch is done",
           std::to_string(s.best_validation_accuracy));
  } else {
    check_range(path, state + "best_epoch", s.best_epoch, 1, s.epoch);
    if (!(s.best_validation_accuracy >= 0 && s.best_validation_accuracy <= 1))
      fail(path, state + "best_validation_accuracy", "a fraction in [0, 1]",
           std::to_string(s.best_validation_accuracy));
  }
  if (s.epoch > 0 && s.best_epoch == -1)
    fail(path, state + "best_epoch", "an epoch in [1, " + std::to_string(s.epoch) + "]", "-1");

  // The moments: exactly the optimizer's buffers, each of the parameter vector's size, finite.
  const auto size = static_cast<std::size_t>(ck.network->param_count());
  for (const auto& [name, values] : ck.optimizer_state) {
    bool known = false;
    for (const auto& b : optimizer_buffers) known = known || b == name;
    if (!known) fail(path, "/optimizer/" + name, "only the buffers of \"" + ck.optimizer_type + "\"", "this one too");
  }
  for (const auto& name : optimizer_buffers) {
    auto it = ck.optimizer_state.find(name);
    if (it == ck.optimizer_state.end()) fail(path, "/optimizer/" + name, "optimizer state", "nothing");
    if (it->second.size() != size)
      fail(path, "/optimizer/" + name, std::to_string(size) + " values (one per parameter)",
           std::to_string(it->second.size()));
    for (std::size_t i = 0; i < it->second.size(); ++i) {
      const float v = it->second[i];
      if (!std::isfinite(v) || (name == "second_moment" && v < 0))
        fail(path, "/optimizer/" + name + "[" + std::to_string(i) + "]",
             name == "second_moment" ? "a finite value >= 0" : "a finite value", std::to_string(v));
    }
  }

  // The summary's history is extended epoch by epoch: an array of one object per epoch done.
  if (ck.training.is_object() && ck.training.contains("history")) {
    const auto& history = ck.training.at("history");
    if (!history.is_array())
      fail(path, "training/history", "an array of one object per epoch", describe_json(history));
    for (std::size_t i = 0; i < history.size(); ++i)
      if (!history[i].is_object())
        fail(path, "training/history/" + std::to_string(i), "an object", describe_json(history[i]));
  }
}

}  // namespace bcnn
