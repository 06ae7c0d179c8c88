#include "eval/model_data.h"

#include "core/error.h"
#include "data/normalize.h"
#include "train/config.h"

namespace bcnn {

Dataset load_model_dataset(const LoadedModel& model, const std::string& model_path,
                           const std::optional<std::string>& data_dir, Split split) {
  const StoredData stored = stored_train_data(model.config, model_path + ": stored configuration");
  const std::string& dataset = stored.dataset;
  const std::string dir = data_dir ? *data_dir : stored.data_dir;
  Dataset data = load_dataset(dataset, dir, split);
  const Network& net = *model.network;
  if (data.sample_shape() != net.input_shape())
    throw Error(model_path + ": expected a model for " + dataset + " images " + shape_string(data.sample_shape()) +
                ", found input shape " + shape_string(net.input_shape()));
  if (net.num_classes() != data.num_classes)
    throw Error(model_path + ": expected " + std::to_string(data.num_classes) + " outputs, found " +
                std::to_string(net.num_classes()));
  // The model was trained on normalized images: everything that feeds it sees them normalized the
  // same way.
  normalize_dataset(data, stored_normalization(model.config, model_path,
                                               net.input_shape().empty() ? 1 : net.input_shape()[0]));
  return data;
}

}  // namespace bcnn
