// Main window (first version): open an ONNX or nn-Meter IR file (menu, drag and drop, recent
// files, command line), see its summary and the table of its nodes. Errors appear as a banner that
// names the file; the previous model stays on screen.
#pragma once

#include <QMainWindow>
#include <memory>

#include "ui/models/node_table_model.h"

class QLabel;
class QTableView;
class QSortFilterProxyModel;
class QMenu;

namespace km::ui {

class ModelLoadJob;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path);
    // Waits until the current load has finished (for --screenshot and tests).
    void waitForLoad();

    // For tests: what the window shows.
    const NodeTableModel* nodeModel() const { return m_nodes; }
    QString bannerText() const;
    bool bannerVisible() const;
    QString summaryText() const;
    QString summaryToolTip() const;  // why devices have no prediction, with the fixing command

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void showModel(const QString& path, std::shared_ptr<const LoadedModel> model);
    void showError(const QString& message);
    void chooseFile();
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();

    ModelLoadJob* m_loader = nullptr;
    NodeTableModel* m_nodes = nullptr;
    QSortFilterProxyModel* m_sorted = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_banner = nullptr;
    QLabel* m_summary = nullptr;
    QMenu* m_recentMenu = nullptr;
    std::shared_ptr<const LoadedModel> m_model;
};

}  // namespace km::ui
