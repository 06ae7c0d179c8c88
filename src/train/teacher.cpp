#include "train/teacher.h"

#include "core/error.h"

namespace bcnn {

Teacher::Teacher(const std::string& path, const TrainConfig& config) : path_(path), model_(load_model(path)) {
  const Network& student = *config.network;
  const Network& teacher = *model_.network;
  if (teacher.input_shape() != student.input_shape())
    throw Error(path + ": --teacher: expected a model of input shape " + shape_string(student.input_shape()) +
                " (the /input of " + config.origin + "), found " + shape_string(teacher.input_shape()));
  if (teacher.num_classes() != student.num_classes())
    throw Error(path + ": --teacher: expected " + std::to_string(student.num_classes()) + " classes (the outputs of " +
                config.origin + "), found " + std::to_string(teacher.num_classes()));
  // The teacher sees the student's batches, normalized as the student's configuration says: it must
  // have been trained on the same normalization.
  const Normalization normalization = stored_normalization(
      model_.config, path, teacher.input_shape().empty() ? 1 : teacher.input_shape()[0]);
  if (normalization.to_json() != config.train.normalize.to_json()) {
    auto text = [](const Normalization& n) { return n.enabled() ? n.to_json().dump() : std::string("none"); };
    throw Error(path + ": --teacher: expected a model trained on images normalized as /train/normalize of " +
                config.origin + " (" + text(config.train.normalize) + "), found " + text(normalization));
  }
}

const Tensor& Teacher::logits(const Tensor& images) { return model_.network->forward(images, ForwardContext{}); }

}  // namespace bcnn
