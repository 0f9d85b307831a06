// SPDX-License-Identifier: GPL-3.0-or-later
// Where each node of a model graph goes: Graphviz dot's layered layout (top to bottom), or for
// graphs too large or too dense for dot to finish in about a second, a fast layered layout of our
// own (longest-path layers, straight edges). dot runs as the `dot` program in a child process
// (plain output read back), so a slow or crashing layout never holds a thread past its deadline
// or takes the window down, and nothing links Graphviz's libraries. Edges that skip more than 12
// layers (DenseNet's concatenations) are not given to either: they run down lanes right of the
// nodes they pass. Blocking: call it on a worker thread.
#pragma once

#include <QPainterPath>
#include <QRectF>
#include <QString>
#include <functional>
#include <vector>

#include "graph/graph.h"

namespace km::ui {

struct LayoutEdge {
    int from = 0, to = 0;  // node indices
    QString tensor;        // the tensor it carries
    QPainterPath path;     // scene coordinates, from `from`'s bottom to `to`'s top
    QPointF labelAt;       // where a shape label may go (the path's midpoint)
    bool labelled = true;  // false: another edge of the same producer and tensor shows its shape
};

struct GraphLayout {
    std::vector<QRectF> nodes;  // per graph node, scene coordinates (y grows downwards)
    std::vector<LayoutEdge> edges;
    QRectF bounds;
    bool fallback = false;  // true: our layered layout, not dot
    QString note;           // why the fallback was used, or dot's failure
};

struct LayoutOptions {
    // Graphs with more nodes than this, or more edges than 2x this, skip dot (which grows
    // super-linearly and can take tens of seconds on dense graphs).
    int maxDotNodes = 1200;
    bool forceFallback = false;  // tests and comparisons
    // dot is killed after this long (milliseconds) and the layered layout is used. 0: at once.
    int dotDeadlineMs = 60000;
    // Polled while dot runs (about every 50 ms, any thread): true kills dot and returns the
    // layered layout (the caller's result is stale, e.g. another model was opened).
    std::function<bool()> cancelled;
    // The `dot` program to run; empty: `dot` on PATH.
    QString dotProgram;
    // Called with dot's process id once it has started (tests watch the process).
    std::function<void(qint64 pid)> onDotStarted;
};

// The label a node shows: canonical op plus its key attribute ("conv 3x3/2", "dwconv 5x5").
QString nodeLabel(const Node& node);

GraphLayout layoutGraph(const Graph& graph, const LayoutOptions& options = {});

}  // namespace km::ui
