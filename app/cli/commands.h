// Sub-commands of kernelmeter-cli. Each returns the process exit code:
// 0 success, 2 bad input (file, argument), 1 internal error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace km::cli {

struct InspectArgs {
    std::string model;                     // ONNX or nn-Meter IR JSON file
    std::vector<std::string> inputShapes;  // "1x3x224x224" or "name=1x3x224x224"
    bool json = false;                     // machine-readable output (docs/cli.md)
    bool noPatterns = false;               // keep one node per file node
};
int runInspect(const InspectArgs& args);

// Prints the error to stderr and returns its exit code.
int reportError(const Error& error);

}  // namespace km::cli
