// SPDX-License-Identifier: Apache-2.0
// A predictor handed on as a file: written from a database (`predictor export`) with the fusion
// rules its kernel types come from, and taken into another user's database (`predictor import`,
// the GUI's File > Import a predictor), so that a predictor made where the device is (a board in
// another lab, a phone's table of measured models) predicts where the models are designed.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "predict/predictor.h"

namespace km {

// A predictor file as read, before anything is stored.
struct PredictorFile {
    std::string path;
    PredictorSet predictor;
    // One line on where it comes from: "xnnpack-t1's predictor adapted to pixel3 from 10 networks
    // (dataset help-nb201), 2026-12-07T12:15:47Z" or "opencv-t1's predictor, built on <CPU> with
    // opencv-dnn 4.6.0, <date>".
    std::string description;
};
// Reads and checks a predictor JSON (docs/predictors.md); errors name the file.
Result<PredictorFile> readPredictorFile(const std::string& path);

struct PredictorImport {
    std::string deviceId;        // the device it now predicts for
    bool definedDevice = false;  // that device was unknown: defined as one known only from imports
    bool alreadyThere = false;   // it was that device's newest predictor already: nothing added
    // A device defined by the import, for a predictor of a runtime that measures (a board's
    // XNNPACK predictor): that runtime, which the device takes to measure as well as predict
    // (`device add ID --runtime R ... --replace`, keeping the predictor). Else empty.
    std::string runtimeToMeasure;
    std::vector<std::string> notes;  // what the user still has to do before it predicts, if anything
};
// Stores the file's predictor in database `db` (empty: the user's default) as the newest of device
// `deviceId` (empty: the device the file names). The device must run the predictor's runtime (at
// the thread count of the device it was made for, when that one is known here), or be one known
// only from imported measurements (runtime none); an unknown id is defined as such a device, which
// needs the rules the file carries (an exported or adapted predictor's). Refused with a BadInput
// error naming the file and what to do (`--device NEW-ID`) otherwise. Made on another machine than
// the device's: imported, with compareHost's message among the notes.
Result<PredictorImport> importPredictor(const PredictorFile& file, const std::string& deviceId, const std::string& db);

// Writes the predictor the device predicts with (the newest in `db`, else the shipped one) to
// `path`, with the device's fusion rules when the predictor does not carry its own (a build's:
// it predicts the kernels those rules make), so that the file predicts anywhere. Returns where the
// predictor was read from.
Result<std::string> exportPredictor(const std::string& deviceId, const std::string& path, const std::string& db);

}  // namespace km
