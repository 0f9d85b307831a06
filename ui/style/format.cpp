// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/style/format.h"

#include <cmath>

namespace km::ui {

QString formatMs(double ms) {
    if (!std::isfinite(ms)) return QStringLiteral("-");
    if (ms == 0) return QStringLiteral("0");
    const double magnitude = std::floor(std::log10(std::abs(ms)));
    const int decimals = std::max(0, int(2 - magnitude));
    return QString::number(ms, 'f', std::min(decimals, 6));
}

QString formatInterval(double lowMs, double highMs) { return QStringLiteral("[%1, %2]").arg(formatMs(lowMs), formatMs(highMs)); }

QString formatCount(int64_t value) {
    const double d = static_cast<double>(value);
    if (std::abs(d) >= 1e9) return QString::number(d / 1e9, 'g', 3) + " G";
    if (std::abs(d) >= 1e6) return QString::number(d / 1e6, 'g', 3) + " M";
    if (std::abs(d) >= 1e3) return QString::number(d / 1e3, 'g', 3) + " k";
    return QString::number(value);
}

QString formatPercent(double fraction) { return QString::number(100.0 * fraction, 'f', 1) + "%"; }

QString asSentence(QString text) {
    if (!text.isEmpty()) text[0] = text[0].toUpper();
    return text;
}

QString htmlLines(const QString& text) { return text.toHtmlEscaped().replace('\n', "<br>"); }

}  // namespace km::ui
