// SPDX-License-Identifier: GPL-3.0-or-later
// How numbers read everywhere in the application and the report (UX.md: units, 2-3 significant
// digits).
#pragma once

#include <QString>
#include <cstdint>

namespace km::ui {

// Milliseconds with 3 significant digits and no exponent: "0.0412", "4.12", "41.2", "412".
QString formatMs(double ms);
// "[0.391, 0.447]"
QString formatInterval(double lowMs, double highMs);
// 56.2 M, 2.51 G, 812 (no unit)
QString formatCount(int64_t value);
// "12.3%"
QString formatPercent(double fraction);
// A core message (which starts in lower case, to follow a colon) as a sentence of its own.
QString asSentence(QString text);
// Plain text for a rich-text label: HTML-escaped, its line breaks as <br>.
QString htmlLines(const QString& text);

}  // namespace km::ui
