#include "ui/jobs/sibling_executable.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace km::ui {

QString siblingExecutable(const char* envVar, const QString& name, const QString& subdir) {
    if (const QByteArray env = qgetenv(envVar); !env.isEmpty()) return QString::fromLocal8Bit(env);
    const QDir dir(QCoreApplication::applicationDirPath());
    for (const QString& candidate : {dir.filePath(name), dir.filePath(subdir + "/" + name)})
        if (QFileInfo(candidate).isExecutable()) return candidate;
    return name;
}

}  // namespace km::ui
