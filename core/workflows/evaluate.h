// SPDX-License-Identifier: Apache-2.0
// evaluate: a predictor's model-level accuracy beside simple baselines, per family and overall
// (kernelmeter-cli evaluate; docs/results.md).
//
// Methods: "kernelmeter" (the predictor); "op-sum" (the same predictor with every op its own
// kernel: what ignoring fusion costs); "flops" (ms = a x FLOPs + b) and "flops+memory" (ms = a x
// FLOPs + c x bytes read and written + b), both relative least squares, fitted on the training
// half; "nn-meter" (nn-Meter's method trained on the predictor's own training kernels:
// predict/nnmeter_method.h; absent when the predictor kept none); "repeat" (an earlier measurement
// of the same model on the device as the prediction: the noise floor no predictor can beat
// against one measurement).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "predict/accuracy.h"
#include "workflows/device_analyzer.h"
#include "workflows/model_file.h"

namespace km {

struct EvaluationModel {
    std::string name;       // unique, e.g. "resnet-3"
    std::string family;     // results are grouped by it
    std::string path;       // ONNX or nn-Meter IR file
    std::string modelHash;  // SHA-256 of the model as measured (empty: unknown)
    double measuredMs = 0;  // the newest measurement on the device
    double earlierMs = 0;   // an earlier measurement of the same model (0: none; no "repeat" score)
    // When set, the model comes from here instead of reading `path` (a model read already, or a
    // dataset model generated again in memory rather than written to disk).
    ModelLoader load;
};

// Threads for reading and predicting `models` (common/parallel_for.h): every core when all of
// them are generated again in memory, one when any is read from a file (on the project's VM,
// reading files on two threads was slower than on one; docs/performance.md, "Many models at once").
unsigned loadingThreads(const std::vector<EvaluationModel>& models);

// The warnings of many models' predictions and loads, each kind said once: the first model's own
// words, then how many more models it concerns and the first few of them. A kind is the text
// without its numbers (a count, a share, a time), so "the prediction is 4.0 times ..." of one model
// and "5.2 times ..." of another are one kind, while fallbacks for two kernel types are two.
class ModelWarnings {
public:
    void add(const std::string& model, const std::string& warning);
    std::vector<std::string> lines() const;  // in the order each kind was first added

private:
    struct Kind {
        std::string first;                // "MODEL: WARNING" of the first model
        std::vector<std::string> others;  // the models after it
    };
    std::vector<Kind> m_kinds;
    std::map<std::string, size_t> m_index;  // kind -> its place in m_kinds
};

struct MethodScores {
    std::string method;
    AccuracyMetrics overall;
    std::map<std::string, AccuracyMetrics> perFamily;
};

struct EvaluatedModel {
    std::string name, family;
    bool test = false;  // in the scored half of the split
    double measuredMs = 0;
    std::map<std::string, double> predicted;  // by method (fitted baselines: fitted on the training half)
    double lowMs = 0, highMs = 0;             // the predictor's interval ("kernelmeter"; predict/predictor.h)
};

struct EvaluationReport {
    std::vector<std::string> methods;
    // Every method fitted (where it fits) on the training half of each family (every other model
    // by name) and scored on the other half.
    std::vector<MethodScores> split;
    // Per family F: the fitted baselines trained on every other family, all methods scored on F's
    // models. overall: the pooled leave-one-family-out predictions.
    std::vector<MethodScores> leaveOneFamilyOut;
    std::vector<EvaluatedModel> models;
    IntervalCoverage interval;          // how often the predictor's intervals held every model's measurement
    std::vector<std::string> warnings;  // models that could not be loaded, kernels predicted by fallback
    // About the nn-Meter variant: why it is absent, or how many of its kernels had no forest (0 ms).
    std::string nnMeterNote;
};

// Fails when fewer than 4 models load and have a measurement (nothing to split), or when the
// device has no rules or no predictor.
Result<EvaluationReport> evaluatePredictor(const std::vector<EvaluationModel>& models, const DeviceAnalyzer& device);

}  // namespace km
