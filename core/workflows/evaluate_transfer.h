// SPDX-License-Identifier: Apache-2.0
// evaluateTransfer: how well an adapted predictor (workflows/adapt_predictor.h) predicts the
// target's measured models it was not fitted on, beside the baselines that see the same few
// networks, each weighing as much as in the adaptation's fit (kernelmeter-cli evaluate on an
// adapted predictor; docs/adapt.md):
//   "adapted"           the adapted predictor;
//   "source"            the source predictor as it is (another machine's milliseconds);
//   "source x 1 scale"  the source times one factor fitted on the same networks (what a
//                       reference-speed correction can do at best);
//   "flops+memory"      ms = a x FLOPs + c x bytes moved + b, fitted on the same networks;
//   "gnn (N networks)"  a BRP-NAS-style graph network (predict/graph_network.h) trained on them;
//   "gnn (900 networks)" the same trained on 900 other measured models, as BRP-NAS does, when
//                       there are at least 1,800 to score (those 900 are then not scored for it);
//   "source at reference speed" the source's times x (target's reference time / source's), when
//                       both predictors record a reference time (no network measured at all).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/progress.h"
#include "workflows/evaluate.h"

namespace km {

// One held-out model as scored: its measured time and each method's prediction.
struct TransferModelRow {
    std::string name, family;
    double measuredMs = 0;
    std::vector<double> predictedMs;  // per method of TransferEvaluation::methods; 0: not scored by it
    double lowMs = 0, highMs = 0;     // the adapted predictor's interval (predict/predictor.h)
    bool beyondAdaptation = false;    // its adapted prediction warned (ModelPrediction::beyondAdaptation)
};

struct TransferEvaluation {
    std::vector<std::string> methods;
    std::vector<MethodScores> scores;      // per method: overall and per family, on the held-out models
    std::vector<TransferModelRow> models;  // the held-out models, in the order they were given
    IntervalCoverage interval;             // how often the adapted predictor's intervals hold them
    // The adapted predictor on the held-out models its prediction warned about (beyondAdaptation)
    // and on the others: what its warnings are worth.
    AccuracyMetrics beyond, within;
    size_t fittedOn = 0;  // networks the adaptation used (left out of the scores)
    size_t leftOut = 0;   // held-out models that could not be read
    std::vector<std::string> warnings;
};

// `models`: the target's measured models (the adaptation's networks among them are recognised by
// hash and left out of the scores; they fit the baselines with the times recorded in the
// adaptation, so they need no measurement of their own). Fails without an adaptation record or
// with fewer than 3 of its networks among `models`.
Result<TransferEvaluation> evaluateTransfer(const std::vector<EvaluationModel>& models, const DeviceAnalyzer& adapted,
                                            const DeviceAnalyzer& source, Progress* progress = nullptr);

// The networks of `adaptation` that the models to score (their hashes: `present`) lack, for
// evaluateTransfer to fit the baselines on (with the times the adaptation recorded, so nothing is
// measured): adapt keeps no files of the networks it generated (named "FAMILY-SEED rRES ..."), so
// each is generated again in memory from adapt's pool (adapt_networks.h: at most 224 pixels, or
// all at RES) and checked against its recorded hash. So a dataset, or a predictor adapted on
// another machine, can be scored. Networks given to adapt as files (--models) cannot be: `missing`
// names them.
struct AdaptationNetworks {
    std::vector<EvaluationModel> models;  // family "adapt", measuredMs 0 (the record's times apply)
    std::vector<std::string> missing;
};
AdaptationNetworks adaptationNetworks(const Adaptation& adaptation, const std::set<std::string>& present);

}  // namespace km
