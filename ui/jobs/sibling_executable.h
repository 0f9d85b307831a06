// Where the GUI finds the other KernelMeter programs it runs as child processes.
#pragma once

#include <QString>

namespace km::ui {

// $`envVar` when set; else `name` next to the application (installed: bin/) or in its build-tree
// folder `subdir` (app/cli/, app/agent/); else the bare name, for PATH.
QString siblingExecutable(const char* envVar, const QString& name, const QString& subdir);

}  // namespace km::ui
