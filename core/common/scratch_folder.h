// SPDX-License-Identifier: Apache-2.0
// A folder of this process's own for generated models that exist only to be measured: a kernel
// model, an adapt or calibration network. Their times go to the database as they are taken and
// the models are generated again (the same bytes, the same hash) whenever they are needed, so the
// files are scratch: kept, they cost 0.5-1 GB per adapt and more per build. The folder is removed
// with everything in it when the object goes, and folders left by processes of this host that
// are gone (killed, crashed, cancelled from the desktop application) are removed when the next
// one is made under the same root.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace km {

class ScratchFolder {
public:
    // A new empty folder "run-<host>-<pid>-<random>" under `parent` (created if missing). Left
    // folders of gone processes are looked for in `parent` and, when `root` is given (a folder
    // holding `parent`), up to three levels below `root`: all of a cache's devices and tools.
    static Result<ScratchFolder> create(const std::string& parent, const std::string& root = "");

    ScratchFolder(ScratchFolder&& other) noexcept;
    ScratchFolder& operator=(ScratchFolder&& other) noexcept;
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    ~ScratchFolder();

    const std::string& path() const { return m_path; }

    // Removes every folder this process made up to three levels below `root`, from any thread:
    // for a process about to be ended by a signal, whose objects will not be destroyed.
    static void removeThisProcesses(const std::string& root);

private:
    explicit ScratchFolder(std::string path) : m_path(std::move(path)) {}
    void removeNow();
    std::string m_path;  // "" once moved from
};

// Removes the files at `paths`, ignoring those already gone: models measured and no longer needed.
void removeFiles(const std::vector<std::string>& paths);

}  // namespace km
