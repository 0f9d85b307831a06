// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/adapt_confirmation.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace km::ui {

AdaptConfirmation::AdaptConfirmation(const QString& text, const QString& adaptLabel, const QString& buildLabel, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Adapt a predictor"));
    auto* icon = new QLabel(this);
    const int side = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxQuestion, nullptr, this).pixmap(side, side));
    icon->setAlignment(Qt::AlignTop);
    auto* message = new QLabel(text, this);
    message->setWordWrap(true);
    message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message->setMinimumWidth(420);
    m_options = new QVBoxLayout;
    auto* column = new QVBoxLayout;
    column->addWidget(message);
    column->addLayout(m_options);
    auto* body = new QHBoxLayout;
    body->addWidget(icon);
    body->addLayout(column, 1);

    auto* buttons = new QDialogButtonBox(this);
    QPushButton* adapt = buttons->addButton(adaptLabel, QDialogButtonBox::AcceptRole);
    adapt->setDefault(true);
    connect(adapt, &QPushButton::clicked, this, [this] { m_answer = Answer::Adapt; });
    if (!buildLabel.isEmpty())
        connect(buttons->addButton(buildLabel, QDialogButtonBox::ActionRole), &QPushButton::clicked, this, [this] {
            m_answer = Answer::Build;
            accept();
        });
    buttons->addButton(QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(body);
    layout->addWidget(buttons);
}

QCheckBox* AdaptConfirmation::addOption(const QString& text, const QString& toolTip, const QStringList& arguments) {
    auto* box = new QCheckBox(text, this);
    box->setToolTip(toolTip);
    m_options->addWidget(box);
    m_optionArguments.emplace_back(box, arguments);
    return box;
}

QStringList AdaptConfirmation::arguments() const {
    QStringList all;
    for (const auto& [box, arguments] : m_optionArguments)
        if (box->isChecked()) all << arguments;
    return all;
}

}  // namespace km::ui
