// Configuration errors at the library level: Network::build and make_train_config name the origin,
// the JSON pointer, what was expected and what was found, and suggest the likely key or value.
#include <doctest/doctest.h>

#include <thread>

#include "cli.h"
#include "core/error.h"
#include "net/json_reader.h"
#include "net/network.h"
#include "train/config.h"

namespace {

using nlohmann::json;

json net_json() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {1, 28, 28}},
          {"layers",
           {{{"type", "flatten"}, {"name", "flatten"}},
            {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 32}, {"block", 8}},
            {{"type", "relu"}, {"name", "relu1"}},
            {{"type", "dropout"}, {"name", "drop1"}},
            {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}}}};
}

json train_json() {
  json c = net_json();
  c["train"] = {{"dataset", "mnist"}, {"data", "somewhere"}, {"epochs", 2}, {"optimizer", {{"type", "adam"}}}};
  return c;
}

void build(const json& j) { bcnn::Network::build(j, "net.json"); }
void make(const json& j) { bcnn::make_train_config(j, "run.json"); }

std::string build_error(const json& j) {
  try {
    build(j);
  } catch (const bcnn::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// `text` must be in the message of the bcnn::Error thrown.
#define CHECK_NET_ERROR(config, text) \
  CHECK_THROWS_WITH_AS(build(config), doctest::Contains(text), bcnn::Error)
#define CHECK_TRAIN_ERROR(config, text) \
  CHECK_THROWS_WITH_AS(make(config), doctest::Contains(text), bcnn::Error)

TEST_CASE("config: a valid description builds, resolves its defaults and round-trips") {
  auto net = bcnn::Network::build(net_json(), "net.json");
  REQUIRE(net->layers().size() == 5);
  CHECK(net->input_shape() == bcnn::Shape{1, 28, 28});
  CHECK(net->num_classes() == 10);
  json d = net->description();
  CHECK(d["layers"][1] == json{{"type", "bc_dense"}, {"name", "fc1"}, {"units", 32}, {"block", 8}, {"init", "he"}});
  CHECK(d["layers"][3]["rate"] == 0.5);
  CHECK(d["layers"][4]["init"] == "he");
  // The resolved description builds the same network again.
  CHECK(bcnn::Network::build(d, "resolved")->description() == d);

  bcnn::TrainOverrides o;
  o.epochs = 7;
  o.lr = 0.25;
  o.threads = 0;
  bcnn::TrainConfig c = bcnn::make_train_config(train_json(), "run.json", o);
  CHECK(c.train.epochs == 7);
  CHECK(c.train.optimizer.lr == 0.25);
  CHECK(c.train.threads == static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  CHECK(c.resolved["train"]["epochs"] == 7);
  CHECK(c.resolved["train"]["batch"] == 128);
  CHECK(c.resolved["train"]["validation"] == 5000);
  CHECK(c.resolved["train"]["optimizer"]["betas"] == json{0.9, 0.999});
  CHECK(c.resolved["train"]["schedule"]["type"] == "constant");
  CHECK(c.resolved["layers"] == d["layers"]);
}

TEST_CASE("config: top-level errors") {
  CHECK_NET_ERROR(json::array({1, 2}), "net.json: /: expected an object, found array [1,2]");

  json j = net_json();
  j.erase("format");
  CHECK_NET_ERROR(j, "net.json: /format: expected ");
  CHECK_NET_ERROR(j, "found nothing");
  j["format"] = "keras";
  CHECK_NET_ERROR(j, "net.json: /format: expected one of \"bcnn-network\", found string \"keras\"");
  j["format"] = "bcnn-netwrok";
  CHECK_NET_ERROR(j, "(did you mean \"bcnn-network\"?)");

  j = net_json();
  j["version"] = "1";
  CHECK_NET_ERROR(j, "net.json: /version: expected an integer in [1, 1000000], found string \"1\"");
  j["version"] = 2;
  CHECK_NET_ERROR(j, "net.json: /version: expected version 1 (this build of bcnn reads only it), found 2");
  j["version"] = 1.5;
  CHECK_NET_ERROR(j, "net.json: /version: expected an integer in [1, 1000000], found number 1.5");

  j = net_json();
  j.erase("input");
  CHECK_NET_ERROR(j, "net.json: /input: expected a value (this key is required), found nothing");
  j["input"] = {1, 28, 28, 1};
  CHECK_NET_ERROR(j, "net.json: /input: expected an array of 1 to 3 integers in [1, 1048576], found array [1,28,28,1]");
  j["input"] = {1, 0, 28};
  CHECK_NET_ERROR(j, "net.json: /input: expected an array of 1 to 3 integers in [1, 1048576], found array [1,0,28]");
  j["input"] = "1x28x28";
  CHECK_NET_ERROR(j, "found string \"1x28x28\"");

  j = net_json();
  j["layers"] = json::array();
  CHECK_NET_ERROR(j, "net.json: /layers: expected a non-empty array of layer objects, found array []");
  j["layers"] = {{"type", "relu"}};
  CHECK_NET_ERROR(j, "net.json: /layers: expected a non-empty array of layer objects, found object");
  j["layers"] = {42};
  CHECK_NET_ERROR(j, "net.json: /layers/0: expected an object, found number 42");

  j = net_json();
  j["description"] = 5;
  CHECK_NET_ERROR(j, "net.json: /description: expected a string, found number 5");

  j = net_json();
  j["inputs"] = {1, 28, 28};
  CHECK_NET_ERROR(j, "net.json: /inputs: expected one of the known keys");
  CHECK_NET_ERROR(j, "found unknown key \"inputs\" (did you mean \"input\"?)");
  j = net_json();
  j["a/b~c"] = 1;
  CHECK_NET_ERROR(j, "net.json: /a~1b~0c: ");  // JSON pointer escaping (RFC 6901)
  // "train" is the caller's business, not an unknown key.
  j = net_json();
  j["train"] = {{"epochs", 1}};
  CHECK_NOTHROW(build(j));
}

TEST_CASE("config: misspelt keys that the reader never asked for still get a suggestion") {
  // A misspelt required key: the message should point at the misspelling, not only say the
  // key is missing.
  json j = net_json();
  j["layrs"] = j["layers"];
  j.erase("layers");
  CHECK_NET_ERROR(j, "did you mean \"layers\"");

  j = net_json();
  j["layers"][1].erase("units");
  j["layers"][1]["unit"] = 32;
  CHECK_NET_ERROR(j, "did you mean \"units\"");

  // A misspelt optional key that is absent from the file.
  j = net_json();
  j["descripton"] = "typo";
  CHECK_NET_ERROR(j, "net.json: /descripton: ");
  CHECK_NET_ERROR(j, "did you mean \"description\"");

  j = train_json();
  j["train"].erase("optimizer");
  j["train"]["optimiser"] = {{"type", "sgd"}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimiser: ");
  CHECK_TRAIN_ERROR(j, "did you mean \"optimizer\"");
  j = train_json();
  j["train"]["schedul"] = {{"type", "cosine"}};
  CHECK_TRAIN_ERROR(j, "did you mean \"schedule\"");
}

TEST_CASE("config: a missing choice lists the choices") {
  json j = net_json();
  j.erase("format");
  CHECK_NET_ERROR(j, "\"bcnn-network\"");
  j = net_json();
  j["layers"][1].erase("type");
  CHECK_NET_ERROR(j, "net.json: /layers/1/type: expected ");
  CHECK_NET_ERROR(j, "\"bc_dense\"");
}

TEST_CASE("config: layer errors") {
  json j = net_json();
  j["layers"][1]["type"] = "bc_dens";
  CHECK_NET_ERROR(j, "net.json: /layers/1/type: expected one of \"dense\", \"bc_dense\", \"relu\", \"dropout\", "
                     "\"flatten\", \"conv2d\", \"bc_conv2d\", \"maxpool2d\", \"avgpool2d\", \"global_avgpool\", "
                     "\"batchnorm\", found string \"bc_dens\" (did you mean \"bc_dense\"?)");
  j["layers"][1]["type"] = "convolution";
  CHECK_NET_ERROR(j, "found string \"convolution\"");
  CHECK(build_error(j).find("did you mean") == std::string::npos);  // nothing is close
  j["layers"][1]["type"] = 3;
  CHECK_NET_ERROR(j, "net.json: /layers/1/type: expected one of \"dense\"");

  j = net_json();
  j["layers"][1].erase("units");
  CHECK_NET_ERROR(j, "net.json: /layers/1/units: expected an integer (this key is required), found nothing");
  j["layers"][1]["units"] = 0;
  CHECK_NET_ERROR(j, "net.json: /layers/1/units: expected an integer in [1, 1048576], found number 0");
  j["layers"][1]["units"] = 1.5;
  CHECK_NET_ERROR(j, "net.json: /layers/1/units: expected an integer in [1, 1048576], found number 1.5");
  j["layers"][1]["units"] = "32";
  CHECK_NET_ERROR(j, "net.json: /layers/1/units: expected an integer in [1, 1048576], found string \"32\"");
  j["layers"][1]["units"] = -3;
  CHECK_NET_ERROR(j, "found number -3");

  j = net_json();
  j["layers"][1].erase("block");
  CHECK_NET_ERROR(j, "net.json: /layers/1/block: expected an integer (this key is required), found nothing");
  j["layers"][1]["block"] = 0;
  CHECK_NET_ERROR(j, "net.json: /layers/1/block: expected an integer in [1, 4096], found number 0");
  j["layers"][1]["block"] = 4097;
  CHECK_NET_ERROR(j, "net.json: /layers/1/block: expected an integer in [1, 4096], found number 4097");

  j = net_json();
  j["layers"][1]["init"] = "xavier";
  CHECK_NET_ERROR(j, "net.json: /layers/1/init: expected one of \"he\", \"glorot\", found string \"xavier\"");
  j["layers"][1]["init"] = "glorott";
  CHECK_NET_ERROR(j, "(did you mean \"glorot\"?)");

  j = net_json();
  j["layers"][1]["blocks"] = 8;
  CHECK_NET_ERROR(j, "net.json: /layers/1/blocks: expected one of the known keys");
  CHECK_NET_ERROR(j, "found unknown key \"blocks\" (did you mean \"block\"?)");
  j = net_json();
  j["layers"][2]["units"] = 8;  // relu takes no settings
  CHECK_NET_ERROR(j, "net.json: /layers/2/units: expected one of the known keys");
  CHECK_NET_ERROR(j, "found unknown key \"units\"");

  j = net_json();
  j["layers"][3]["rate"] = 1.0;
  CHECK_NET_ERROR(j, "net.json: /layers/3/rate: expected a number in [0, 0.99], found number 1.0");
  j["layers"][3]["rate"] = -0.1;
  CHECK_NET_ERROR(j, "net.json: /layers/3/rate: expected a number in [0, 0.99], found number -0.1");
  j["layers"][3]["rate"] = "half";
  CHECK_NET_ERROR(j, "found string \"half\"");

  j = net_json();
  j["layers"].erase(0);  // no flatten
  CHECK_NET_ERROR(j, "net.json: /layers/0: layer \"fc1\": expected a 1-D input (add a \"flatten\" layer before it), "
                     "found shape (1, 28, 28)");
  j = net_json();
  j["layers"][4].erase("units");
  j["layers"][4]["type"] = "flatten";
  j["layers"].push_back({{"type", "dense"}, {"name", "fc3"}, {"units", 10}});
  CHECK_NOTHROW(build(j));  // flatten of a vector is fine

  j = net_json();
  j["layers"][4]["name"] = "fc1";
  CHECK_NET_ERROR(j, "net.json: /layers/4/name: expected a name no other layer has, found \"fc1\" again");
  j["layers"][4]["name"] = "fc 2";
  CHECK_NET_ERROR(j, "net.json: /layers/4/name: expected a layer name of letters, digits");
  CHECK_NET_ERROR(j, "found \"fc 2\"");
  j["layers"][4]["name"] = ".hidden";
  CHECK_NET_ERROR(j, "found \".hidden\"");
  j["layers"][4]["name"] = std::string(65, 'a');
  CHECK_NET_ERROR(j, "net.json: /layers/4/name: expected a layer name");
  j["layers"][4]["name"] = 7;
  CHECK_NET_ERROR(j, "net.json: /layers/4/name: expected a string, found number 7");
  // Default names are type + index, and collide with an explicit one.
  j = net_json();
  j["layers"][2].erase("name");
  j["layers"][4]["name"] = "relu2";
  CHECK_NET_ERROR(j, "net.json: /layers/4/name: expected a name no other layer has, found \"relu2\" again");
}

TEST_CASE("config: train errors") {
  json j = train_json();
  j["train"] = json::array();
  CHECK_TRAIN_ERROR(j, "run.json: /train: expected an object, found array []");

  j = train_json();
  j["train"]["epochs"] = -1;
  CHECK_TRAIN_ERROR(j, "run.json: /train/epochs: expected an integer in [1, 100000], found number -1");
  j["train"]["epochs"] = 0;
  CHECK_TRAIN_ERROR(j, "run.json: /train/epochs: expected an integer in [1, 100000], found number 0");
  j["train"]["epochs"] = 2.5;
  CHECK_TRAIN_ERROR(j, "found number 2.5");
  j["train"]["epochs"] = "2";
  CHECK_TRAIN_ERROR(j, "found string \"2\"");

  j = train_json();
  j["train"]["batch"] = 0;
  CHECK_TRAIN_ERROR(j, "run.json: /train/batch: expected an integer in [1, 65536], found number 0");
  j = train_json();
  j["train"]["validation"] = -5;
  CHECK_TRAIN_ERROR(j, "run.json: /train/validation: expected an integer in [0, ");
  j = train_json();
  j["train"]["threads"] = 2000;
  CHECK_TRAIN_ERROR(j, "run.json: /train/threads: expected an integer in [0, 1024], found number 2000");
  j = train_json();
  j["train"]["seed"] = -1;
  CHECK_TRAIN_ERROR(j, "run.json: /train/seed: expected an integer in [0, ");
  j = train_json();
  j["train"]["calibration_images"] = -1;
  CHECK_TRAIN_ERROR(j, "run.json: /train/calibration_images: expected an integer in [1, ");
  j = train_json();
  j["train"]["data"] = 5;
  CHECK_TRAIN_ERROR(j, "run.json: /train/data: expected a string, found number 5");

  j = train_json();
  j["train"]["dataset"] = "mnits";
  CHECK_TRAIN_ERROR(j, "run.json: /train/dataset: expected one of \"mnist\", \"fashion_mnist\", \"cifar10\", found string \"mnits\" "
                       "(did you mean \"mnist\"?)");
  j = train_json();
  j["train"]["epoch"] = 3;
  CHECK_TRAIN_ERROR(j, "run.json: /train/epoch: expected one of the known keys");
  CHECK_TRAIN_ERROR(j, "found unknown key \"epoch\" (did you mean \"epochs\"?)");

  j = train_json();
  j["train"]["optimizer"] = "adam";
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer: expected an object, found string \"adam\"");
  j["train"]["optimizer"] = {{"type", "adamm"}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/type: expected one of \"sgd\", \"adam\", \"adamw\", found string "
                       "\"adamm\" (did you mean \"adam\"?)");
  j["train"]["optimizer"] = {{"type", "adam"}, {"lr", 100}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/lr: expected a number in [1e-09, 10], found number 100");
  j["train"]["optimizer"] = {{"type", "adam"}, {"lr", 0}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/lr: expected a number in [1e-09, 10], found number 0");
  j["train"]["optimizer"] = {{"type", "adam"}, {"momentum", 0.9}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/momentum: expected one of the known keys");
  CHECK_TRAIN_ERROR(j, "found unknown key \"momentum\"");
  j["train"]["optimizer"] = {{"type", "adam"}, {"betas", {0.9, 1.0}}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/betas: expected two numbers in [0, 1), found array [0.9,1.0]");
  j["train"]["optimizer"] = {{"type", "adam"}, {"betas", {0.9}}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/betas: expected an array of 2 to 2 numbers, found array [0.9]");
  j["train"]["optimizer"] = {{"type", "sgd"}, {"momentum", 0}, {"nesterov", true}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/nesterov: expected false when momentum is 0, found true");
  j["train"]["optimizer"] = {{"type", "sgd"}, {"nesterov", "yes"}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/nesterov: expected true or false, found string \"yes\"");
  j["train"]["optimizer"] = {{"type", "sgd"}, {"betas", {0.9, 0.99}}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/betas: expected one of the known keys");
  j["train"]["optimizer"] = {{"type", "adamw"}, {"weight_decay", 2}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/optimizer/weight_decay: expected a number in [0, 1], found number 2");

  j = train_json();
  j["train"]["schedule"] = {{"type", "cosin"}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/schedule/type: expected one of \"constant\", \"step\", \"cosine\", found "
                       "string \"cosin\" (did you mean \"cosine\"?)");
  j["train"]["schedule"] = {{"type", "cosine"}, {"gamma", 0.5}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/schedule/gamma: expected one of the known keys");
  j["train"]["schedule"] = {{"type", "step"}, {"gamma", 1.5}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/schedule/gamma: expected a number in [0, 1], found number 1.5");
  j["train"]["schedule"] = {{"type", "step"}, {"step_epochs", 0}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/schedule/step_epochs: expected an integer in [1, 1000000], found number 0");
  j["train"]["schedule"] = {{"type", "constant"}, {"warmup_epochs", -1}};
  CHECK_TRAIN_ERROR(j, "run.json: /train/schedule/warmup_epochs: expected a number in [0, 1e+06], found number -1");

  // Network errors come first and carry the same origin.
  j = train_json();
  j["layers"][1]["block"] = 0;
  CHECK_TRAIN_ERROR(j, "run.json: /layers/1/block: expected an integer in [1, 4096], found number 0");
}

TEST_CASE("config: reading a file names it, and the line and column of a syntax error") {
  bcnn::testing::TempDir tmp("config-file");
  const std::string path = tmp.file("broken.json");
  bcnn::testing::write_text(path, "{\n  \"format\": \"bcnn-network\",\n  \"version\": 1,,\n}\n");
  CHECK_THROWS_WITH_AS(bcnn::read_json_file(path), doctest::Contains((path + ": invalid JSON: ").c_str()), bcnn::Error);
  CHECK_THROWS_WITH_AS(bcnn::read_json_file(path), doctest::Contains("line 3, column 16"), bcnn::Error);
  bcnn::testing::write_text(path, "");
  CHECK_THROWS_WITH_AS(bcnn::read_json_file(path), doctest::Contains((path + ": invalid JSON").c_str()), bcnn::Error);
  CHECK_THROWS_WITH_AS(bcnn::read_json_file(tmp.file("absent.json")),
                       doctest::Contains((tmp.file("absent.json") + ": cannot open the file").c_str()), bcnn::Error);
  CHECK_THROWS_WITH_AS(bcnn::load_train_config(tmp.file("absent.json")), doctest::Contains("absent.json"),
                       bcnn::Error);
}

TEST_CASE("config: closest_match suggests only likely typos") {
  const std::vector<std::string> keys = {"units", "block", "init", "name", "type"};
  CHECK(bcnn::closest_match("unit", keys) == std::optional<std::string>("units"));
  CHECK(bcnn::closest_match("blok", keys) == std::optional<std::string>("block"));
  CHECK(bcnn::closest_match("Units", keys) == std::optional<std::string>("units"));
  CHECK_FALSE(bcnn::closest_match("momentum", keys).has_value());
  CHECK_FALSE(bcnn::closest_match("x", {"epochs"}).has_value());
}
