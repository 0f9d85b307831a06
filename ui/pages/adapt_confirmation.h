// SPDX-License-Identifier: GPL-3.0-or-later
// The question asked before adapting a predictor (PredictorPage::confirmAndAdapt): what adapting
// does and takes beside a full build, and adapt's options as check boxes. The answer is the
// button pressed and the kernelmeter-cli arguments of the options ticked.
#pragma once

#include <QDialog>
#include <QStringList>
#include <utility>
#include <vector>

class QCheckBox;
class QVBoxLayout;

namespace km::ui {

class AdaptConfirmation : public QDialog {
    Q_OBJECT
public:
    enum class Answer { Cancel, Adapt, Build };
    // `buildLabel` empty: no Build button (the device has no fusion rules to build on).
    AdaptConfirmation(const QString& text, const QString& adaptLabel, const QString& buildLabel, QWidget* parent = nullptr);
    // An unticked check box that adds `arguments` to adapt's command line when ticked.
    QCheckBox* addOption(const QString& text, const QString& toolTip, const QStringList& arguments);
    Answer answer() const { return m_answer; }
    QStringList arguments() const;  // of the options ticked, in the order they were added

private:
    QVBoxLayout* m_options = nullptr;
    std::vector<std::pair<QCheckBox*, QStringList>> m_optionArguments;
    Answer m_answer = Answer::Cancel;
};

}  // namespace km::ui
