#pragma once
// The teacher of a distillation (bcnn-train --teacher MODEL.h5): a trained model, checked against
// the student it teaches, that gives its logits on the student's training batches in evaluation
// mode (running batchnorm statistics, no dropout).
#include <string>

#include "io/model_file.h"
#include "train/config.h"

namespace bcnn {

class Teacher {
 public:
  // Throws bcnn::Error naming `path` when the model's input shape, class count or input
  // normalization differ from the student's (configured in config.origin).
  Teacher(const std::string& path, const TrainConfig& config);

  const Tensor& logits(const Tensor& images);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  LoadedModel model_;
};

}  // namespace bcnn
