// SPDX-License-Identifier: Apache-2.0
// kernelmeter-agent as a separate process: protocol round trip, isolation of a crash, a hang and
// an out-of-memory in one measurement (the next measurement works), the remote path through a
// command prefix, the agent's huge pages, an agent ending when its client is gone (orphaned, or
// its lines unread), and real OpenCV DNN measurements (orderings, fusion groups; never absolute
// times).
#include <gnu/libc-version.h>
#include <QtTest>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>

#include "backends/agent_client.h"
#include "backends/device.h"
#include "backends/runtime_registry.h"
#include "onnx/onnx_builder.h"
#include "test_support.h"
#include "workflows/measure_models.h"
#include "zoo/zoo.h"

using namespace km;

namespace {

AgentLaunch testAgent() {
    AgentLaunch l;
    l.agentPath = KM_AGENT_PATH;
    l.enableTestRuntime = true;
    return l;
}

MeasureOptions quick() {
    MeasureOptions o;
    o.warmupRuns = 2;
    o.warmupMinMs = 0;
    o.rounds = 5;
    o.runsPerRound = 2;
    o.instances = 2;
    o.maxExtraInstances = 0;
    return o;
}

Device testDevice() { return Device{"test", "test runtime", "test", 1, "", {}, "", false}; }

MeasureRequest request(std::initializer_list<const char*> commands) {
    MeasureRequest r{testDevice(), quick(), {}};
    int i = 0;
    for (const char* c : commands) r.models.push_back({"m" + std::to_string(i++), c, {}});
    return r;
}

// Whether the agent's malloc can run on transparent huge pages here, judged apart from the agent
// (app/agent/malloc_huge_pages.h): glibc 2.35 or later and the kernel's huge pages not off.
bool hugePagesPossible() {
    int major = 0, minor = 0;
    std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor);
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string mode;
    std::getline(f, mode);
    return (major > 2 || (major == 2 && minor >= 35)) && mode.find("[never]") == std::string::npos && !mode.empty();
}

std::string allocationReported(const std::string& transportPrefix) {
    AgentLaunch l = testAgent();
    l.transportPrefix = transportPrefix;
    AgentClient agent(l);
    Result<AgentHello> h = agent.start();
    return h ? h.value().machine.allocation : "no hello: " + h.error().message;
}

std::string fixture(const char* rel) { return std::string(KM_FIXTURES_DIR "/") + rel; }

// Threads of this process (Linux: one entry per thread in /proc/self/task).
int threadCount() { return int(QDir("/proc/self/task").entryList(QDir::Dirs | QDir::NoDotAndDotDot).size()); }

// The reference workload ran in the same processes and rounds as the first two models (conv_64 and
// conv_128, 4x its MACs): ratios exist, keep the models' order, and one baseline scales them all.
void checkReference(const std::vector<ModelReport>& reports) {
    for (size_t i = 0; i < 2; ++i) {
        const ModelReport& r = reports[i];
        QVERIFY2(r.referenceError.empty(), r.referenceError.c_str());
        QCOMPARE(r.referenceRounds.size(), r.roundMedians.size());
        QCOMPARE(r.reference.pairs, r.stats.rounds);
        QVERIFY(r.reference.referenceMs > 0 && r.referenceBaselineMs > 0);
        QCOMPARE(r.normalizedMs, r.reference.median * r.referenceBaselineMs);
    }
    QVERIFY(reports[1].reference.median > 2.0 * reports[0].reference.median);
    QCOMPARE(reports[1].referenceBaselineMs, reports[0].referenceBaselineMs);
}

// One model from its bytes (written to a temporary file), measured briefly on xnnpack-t1.
ModelReport measureOnXnnpack(const std::string& bytes) {
    QTemporaryDir dir;
    const std::string path = dir.filePath("model.onnx").toStdString();
    std::ofstream(path, std::ios::binary) << bytes;
    MeasureModelsOptions o;
    o.protocol = quick();
    o.protocol.rounds = 2;
    o.agent = testAgent();
    return measureModels({path}, *findBuiltinDevice("xnnpack-t1"), o).at(0);
}

}  // namespace

class TestAgent : public QObject {
    Q_OBJECT
private slots:
    void helloReportsRuntimesAndMachine() {
        AgentClient agent(testAgent());
        Result<AgentHello> h = agent.start();
        QVERIFY2(h.ok(), h.ok() ? "" : h.error().message.c_str());
        QCOMPARE(h.value().protocol, kAgentProtocolVersion);
        QVERIFY(h.value().machine.logicalCores > 0);
        QVERIFY(!h.value().machine.cpuModel.empty());
        QVERIFY2(h.value().machine.allocation.rfind("aligned-64", 0) == 0, h.value().machine.allocation.c_str());
        // Where the kernel lists the CPU's family (x86), it is part of the recorded model.
        std::ifstream cpuinfo("/proc/cpuinfo");
        std::string line;
        bool listsFamily = false;
        while (std::getline(cpuinfo, line)) listsFamily = listsFamily || line.rfind("cpu family", 0) == 0;
        if (listsFamily) QVERIFY2(h.value().machine.cpuModel.find("(family ") != std::string::npos, h.value().machine.cpuModel.c_str());
        std::vector<std::string> names;
        for (const auto& [n, v] : h.value().runtimes) names.push_back(n);
        QVERIFY(std::find(names.begin(), names.end(), "opencv-dnn") != names.end());
        QVERIFY(std::find(names.begin(), names.end(), "test") != names.end());
    }

    void agentAsksForHugePagesUnlessTold() {
        // The agent starts itself again with glibc.malloc.hugetlb=1 added to the tunables it was
        // given, and reports it with every measurement; a user's own setting of it stands.
        if (std::getenv("GLIBC_TUNABLES")) QSKIP("this test's environment sets glibc tunables of its own");
        const std::string onHugePages = hugePagesPossible() ? "aligned-64+huge-pages" : "aligned-64";
        QCOMPARE(allocationReported(""), onHugePages);
        QCOMPARE(allocationReported("env GLIBC_TUNABLES=glibc.malloc.arena_max=2"), onHugePages);
        QCOMPARE(allocationReported("env GLIBC_TUNABLES=glibc.malloc.hugetlb=0"), std::string("aligned-64"));
        QCOMPARE(allocationReported("env GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"), std::string("aligned-64"));
    }

    void everyRuntimeHasTraits() {
        // The controller's table (how to export for it, what its profile says, how it threads) and
        // the agent's registration list name the same runtimes; a runtime added to one only fails here.
        std::set<std::string> traits;
        for (const RuntimeTraits& r : knownRuntimes()) {
            QVERIFY2(!r.displayName.empty() && r.projectReferenceMs > 0, r.name.c_str());
            traits.insert(r.name);
        }
        const std::vector<std::string> agentRuns = runtimeNames();
        QCOMPARE(traits, std::set<std::string>(agentRuns.begin(), agentRuns.end()));
        for (const Device& d : builtinDevices()) QVERIFY2(traits.count(d.runtime), d.id.c_str());
        QVERIFY(!runtimeTraits(kNoRuntime).copiesOnOneThread && runtimeTraits(kNoRuntime).projectReferenceMs == 0);
        QVERIFY(runtimeTraits("opencv-dnn").copiesOnOneThread && !runtimeTraits("xnnpack").copiesOnOneThread);
    }

    void roundTripAndOrdering() {
        AgentClient agent(testAgent());
        int progressCalls = 0;
        Result<MeasureResponse> r = agent.measure(request({"spin-us:400", "spin-us:2000"}), 60, [&](int, int) { ++progressCalls; });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r.value().results.size(), size_t{2});
        const auto& fast = r.value().results[0];
        const auto& slow = r.value().results[1];
        QVERIFY(fast.ok && slow.ok);
        QCOMPARE(fast.stats.runs, 5 * 2 * 2);
        QCOMPARE(fast.stats.instances, 2);
        QVERIFY(slow.stats.medianMs > 2.5 * fast.stats.medianMs);  // 5x in cost; wide margin for noise
        QVERIFY(fast.stats.p10Ms <= fast.stats.medianMs && fast.stats.medianMs <= fast.stats.p90Ms);
        QVERIFY(progressCalls > 0);
        // The same agent answers a second request.
        QVERIFY(agent.measure(request({"spin-us:100"}), 60).ok());
    }

    void crashIsReportedAndNextMeasurementWorks() {
        AgentClient agent(testAgent());
        Result<MeasureResponse> crashed = agent.measure(request({"spin-us:100", "crash-on-run"}), 60);
        QVERIFY(!crashed.ok());
        QVERIFY2(crashed.error().message.find("crashed with signal 6") != std::string::npos, crashed.error().message.c_str());
        QVERIFY(!agent.running());
        Result<MeasureResponse> next = agent.measure(request({"spin-us:100"}), 60);
        QVERIFY2(next.ok(), next.ok() ? "" : next.error().message.c_str());
        QVERIFY(next.value().results[0].ok);
    }

    void hangIsStoppedByTheTimeout() {
        AgentClient agent(testAgent());
        QElapsedTimer t;
        t.start();
        Result<MeasureResponse> hung = agent.measure(request({"hang-on-run"}), 2);
        QVERIFY(!hung.ok());
        QVERIFY2(hung.error().message.find("did not answer within 2 s") != std::string::npos, hung.error().message.c_str());
        QVERIFY(t.elapsed() < 60000);
        QVERIFY(agent.measure(request({"spin-us:100"}), 60).ok());
    }

    void orphanedAgentEnds() {
        // A client killed without a word leaves its agent waiting (here on a stdin this test keeps
        // open) or measuring: it ends as soon as its parent is gone. A child of this test starts
        // the agent, waits for its hello (the agent knows its parent by then), says its pid and exits.
        const std::string helloRequest = km::encodeHelloRequest();
        int input[2], output[2], said[2];
        QVERIFY(pipe(input) == 0 && pipe(output) == 0 && pipe(said) == 0);
        const pid_t parent = fork();
        QVERIFY(parent >= 0);
        if (parent == 0) {
            const pid_t agent = fork();
            if (agent == 0) {
                dup2(input[0], STDIN_FILENO);
                dup2(output[1], STDOUT_FILENO);
                execl(KM_AGENT_PATH, KM_AGENT_PATH, "--enable-test-runtime", static_cast<char*>(nullptr));
                _exit(127);
            }
            close(output[1]);
            (void)!write(input[1], helloRequest.data(), helloRequest.size());
            char c = 0;
            while (read(output[0], &c, 1) == 1 && c != '\n') {}
            (void)!write(said[1], &agent, sizeof agent);
            _exit(0);
        }
        close(output[0]);
        close(output[1]);
        close(input[0]);
        close(said[1]);
        pid_t agentPid = -1;
        QCOMPARE(read(said[0], &agentPid, sizeof agentPid), ssize_t(sizeof agentPid));
        close(said[0]);
        waitpid(parent, nullptr, 0);
        QVERIFY(agentPid > 0);
        bool ended = false;
        for (int i = 0; i < 600 && !ended; ++i) {  // it looks every 0.2 s; 60 s only to fail, not a bound on work
            ended = !km::test::processRunning(agentPid);
            if (!ended) QTest::qWait(100);
        }
        if (!ended) ::kill(agentPid, SIGKILL);
        close(input[1]);
        QVERIFY2(ended, "the orphaned agent was still running after 60 s");
    }

    void agentWithoutReaderEnds() {
        // The client's end of the agent's stdout closes mid-request (the client or its transport
        // gone) while the agent, like the CLI's, ignores SIGPIPE: it ends at its next progress line
        // instead of measuring the rest (here thousands of rounds) and then waiting on a stdin this
        // test keeps open.
        MeasureRequest r = request({"spin-us:500"});
        r.options.rounds = 5000;
        const std::string header = km::encodeMeasureHeader(r);
        int input[2], output[2];
        QVERIFY(pipe(input) == 0 && pipe(output) == 0);
        const pid_t agent = fork();
        QVERIFY(agent >= 0);
        if (agent == 0) {
            signal(SIGPIPE, SIG_IGN);
            dup2(input[0], STDIN_FILENO);
            dup2(output[1], STDOUT_FILENO);
            for (int fd : {input[0], input[1], output[0], output[1]}) close(fd);
            execl(KM_AGENT_PATH, KM_AGENT_PATH, "--enable-test-runtime", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(input[0]);
        close(output[1]);
        close(output[0]);  // nobody reads what it says
        QCOMPARE(write(input[1], header.data(), header.size()), ssize_t(header.size()));
        QCOMPARE(write(input[1], r.models[0].bytes.data(), r.models[0].bytes.size()), ssize_t(r.models[0].bytes.size()));
        bool ended = false;
        for (int i = 0; i < 600 && !ended; ++i) {  // 60 s only to fail
            ended = waitpid(agent, nullptr, WNOHANG) == agent;
            if (!ended) QTest::qWait(100);
        }
        if (!ended) {
            ::kill(agent, SIGKILL);
            waitpid(agent, nullptr, 0);
        }
        close(input[1]);
        QVERIFY2(ended, "the agent was still running 60 s after its reader had gone");
    }

    void outOfMemoryIsReportedNotFatal() {
        AgentLaunch l = testAgent();
        l.memoryLimitMb = 512;
        AgentClient agent(l);
        Result<MeasureResponse> r = agent.measure(request({"alloc-mb:2048", "spin-us:100"}), 60);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QVERIFY(!r.value().results[0].ok);
        QCOMPARE(r.value().results[0].error, std::string("the test runtime could not allocate its memory"));
        QVERIFY(r.value().results[1].ok);
    }

    void remoteThroughACommandPrefix() {
        // Any command prefix works as a transport ("ssh user@board", "adb shell"); env stands in here
        // and proves the agent is started through the shell with the prefix in front.
        AgentLaunch l = testAgent();
        l.transportPrefix = "env KM_TRANSPORT_TEST=1";
        AgentClient agent(l);
        Result<MeasureResponse> r = agent.measure(request({"spin-us:200"}), 60);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QVERIFY(r.value().results[0].ok);
        AgentLaunch broken = testAgent();
        broken.transportPrefix = "false &&";
        AgentClient dead(broken);
        Result<AgentHello> h = dead.start(10);
        QVERIFY(!h.ok());
        QVERIFY2(h.error().message.find("exited with code 1") != std::string::npos, h.error().message.c_str());
    }

    void workflowReportsBadFilesBesideGoodOnes() {
        // Through measureModels: a file that cannot be read fails alone; the good one is measured.
        MeasureModelsOptions o;
        o.protocol = quick();
        o.agent = testAgent();
        o.timeoutSeconds = 60;
        auto reports = measureModels({fixture("small/conv_64.onnx"), fixture("bad/cycle.onnx")}, *findBuiltinDevice("opencv-t1"), o);
        QCOMPARE(reports.size(), size_t{2});
        QVERIFY2(reports[0].ok, reports[0].error.c_str());
        QVERIFY(!reports[1].ok);
        QVERIFY(reports[1].error.find("cycle") != std::string::npos);
    }

    void openCvOrderingAndFusionGroups() {
        MeasureModelsOptions o;
        o.protocol = quick();
        o.agent = testAgent();
        auto reports = measureModels({fixture("small/conv_64.onnx"), fixture("small/conv_128.onnx"), fixture("small/conv_block.onnx")},
                                     *findBuiltinDevice("opencv-t1"), o);
        for (const auto& r : reports) QVERIFY2(r.ok, r.error.c_str());
        QVERIFY(reports[1].stats.medianMs > 2.0 * reports[0].stats.medianMs);  // 4x the MACs
        QCOMPARE(reports[0].runtimeVersion, std::string("4.6.0"));
        checkReference(reports);
        // OpenCV fuses the conv with its bn and relu6 (zero-time layers grouped with their executor).
        const auto& groups = reports[2].fusionGroups;
        QVERIFY(std::any_of(groups.begin(), groups.end(), [](const auto& g) {
            return g == std::vector<std::string>{"conv1", "bn1", "relu6_1"};
        }));
        // Per-layer times are mapped to graph nodes, one entry per node.
        std::set<std::string> nodes;
        for (const auto& l : reports[2].layers) QVERIFY2(nodes.insert(l.node).second, l.node.c_str());
        QVERIFY(nodes.count("dw1") && nodes.count("hs_add") && nodes.count("fc"));
    }

    void xnnpackOrderingAndUnsupportedOps() {
        MeasureModelsOptions o;
        o.protocol = quick();
        o.agent = testAgent();
        auto reports =
            measureModels({fixture("small/conv_64.onnx"), fixture("small/conv_128.onnx"), fixture("real/mobilenet_v2.onnx"),
                           fixture("real/mobilenet_v3_small.onnx"), fixture("real/resnet18.onnx"), fixture("real/shufflenet_v2_x1_0.onnx"),
                           fixture("real/densenet121.onnx"), fixture("small/se_block.onnx")},
                          *findBuiltinDevice("xnnpack-t1"), o);
        for (size_t i = 0; i < 7; ++i) QVERIFY2(reports[i].ok, reports[i].error.c_str());
        QVERIFY(reports[1].stats.medianMs > 2.0 * reports[0].stats.medianMs);  // 4x the MACs
        checkReference(reports);
        QVERIFY(reports[4].stats.medianMs > reports[3].stats.medianMs);  // ResNet-18 > MobileNetV3-S
        // ShuffleNet (concat, split, channel shuffle) and DenseNet (concat) run with channel copies
        // between XNNPACK subgraphs; DenseNet's 2.8 GMACs take longer than ShuffleNet's 0.15.
        QVERIFY(reports[6].stats.medianMs > 3.0 * reports[5].stats.medianMs);
        // Layers are the steps: MobileNetV2 runs as one XNNPACK subgraph; ShuffleNet alternates
        // subgraphs and copies, each copy named by its node.
        QCOMPARE(reports[2].layers.size(), size_t{1});
        QVERIFY2(QString::fromStdString(reports[2].layers[0].node).endsWith(" nodes)"), reports[2].layers[0].node.c_str());
        int subgraphs = 0, copies = 0;
        for (const auto& l : reports[5].layers) {
            QVERIFY(l.ms >= 0);
            (QString::fromStdString(l.node).endsWith(" nodes)") ? subgraphs : copies) += 1;
        }
        QVERIFY2(subgraphs >= 10 && copies >= 30, qPrintable(QString("%1 subgraphs, %2 copies").arg(subgraphs).arg(copies)));
        // Resize and ConvTranspose have no XNNPACK node here: one error naming the file and the nodes.
        QVERIFY(!reports[7].ok);
        const QString err = QString::fromStdString(reports[7].error);
        QVERIFY2(err.startsWith(QString::fromStdString(fixture("small/se_block.onnx")) + ": XNNPACK cannot express 2 node(s)"),
                 qPrintable(err));
        QVERIFY(err.contains("'upsample' (resize:") && err.contains("'deconv' (convtranspose:"));
    }

    // The models one runtime loads for a 2-thread device share one thread pool. With a pool per
    // model, the workers of the models just run kept spinning beside the one being timed, and on a
    // 2-core machine small networks' round times flipped between two modes (0.6 and 1.5 times their
    // 1-thread time). In this process, not through the agent, to count the threads.
    void xnnpackModelsShareOneThreadPool() {
        auto runtime = makeRuntime("xnnpack");
        QVERIFY(runtime);
        const Device device = *findBuiltinDevice("xnnpack-t2");
        QFile file(QString::fromStdString(fixture("small/conv_64.onnx")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const std::string bytes = file.readAll().toStdString();
        const int before = threadCount();
        std::vector<std::unique_ptr<RuntimeModel>> models;
        for (int i = 0; i < 4; ++i) {
            auto model = runtime->load(bytes, device, {});
            QVERIFY2(model, model ? "" : model.error().message.c_str());
            QVERIFY(model.value()->run());
            models.push_back(std::move(model).value());
            if (i == 0) QVERIFY2(threadCount() > before, "a 2-thread model started no worker thread");
        }
        const int workers = threadCount() - before;
        QVERIFY2(workers < device.threads, qPrintable(QString("%1 worker threads for 4 models at 2 threads").arg(workers)));
    }

    // The channel copies between XNNPACK subgraphs are split over the threads of a 2-thread
    // device: every row once, so the network computes what it computes on one thread.
    void xnnpackCopiesComputeTheSameOnTwoThreads() {
        auto runtime = makeRuntime("xnnpack");
        QVERIFY(runtime);
        std::vector<std::pair<std::string, std::string>> models;                         // name, ONNX bytes
        QFile shuffle(QString::fromStdString(fixture("real/shufflenet_v2_x1_0.onnx")));  // split, shuffle, concat
        QVERIFY(shuffle.open(QIODevice::ReadOnly));
        models.emplace_back("shufflenet_v2_x1_0", shuffle.readAll().toStdString());
        ZooOptions small;
        small.maxResolution = 96;
        for (const char* family : {"vgg", "densenet"}) {  // a spatial flatten; concats
            Result<ZooModel> z = generateZooModel(family, 1, small);
            QVERIFY(z.ok());
            models.emplace_back(family, z.value().bytes);
        }
        for (const auto& [name, bytes] : models) {
            std::vector<std::vector<float>> outputs;
            for (const char* device : {"xnnpack-t1", "xnnpack-t2"}) {
                auto model = runtime->load(bytes, *findBuiltinDevice(device), {});
                QVERIFY2(model, model ? "" : model.error().message.c_str());
                QVERIFY(model.value()->run());
                outputs.push_back(model.value()->firstOutputValues());
            }
            QVERIFY2(!outputs[0].empty() && outputs[0].size() == outputs[1].size(), name.c_str());
            for (size_t i = 0; i < outputs[0].size(); ++i) {
                const float a = outputs[0][i], b = outputs[1][i];
                QVERIFY2(std::isfinite(a) && std::abs(a - b) <= 1e-4f * std::max(1.0f, std::abs(a)),
                         qPrintable(QString("%1: output %2 is %3 on one thread, %4 on two")
                                        .arg(QString::fromStdString(name))
                                        .arg(i)
                                        .arg(double(a))
                                        .arg(double(b))));
            }
        }
    }

    void xnnpackTakesOnlyChannelWindowsAsCopies() {
        MeasureModelsOptions o;
        o.protocol = quick();
        o.agent = testAgent();
        auto reports =
            measureModels({fixture("small/slice_channels.onnx"), fixture("small/slice_batch.onnx")}, *findBuiltinDevice("xnnpack-t1"), o);
        QVERIFY2(reports[0].ok, reports[0].error.c_str());  // Slice(start -4, axis 1): channels 4..7
        QVERIFY(!reports[1].ok);                            // Slice without axes cuts the batch
        QVERIFY2(reports[1].error.find("'slice_batch' (split:") != std::string::npos, reports[1].error.c_str());
    }

    // AlexNet and VGG flatten a 7x7 map into their classifier: XNNPACK runs it as a copy step that
    // puts the NHWC buffer in ONNX's C, H, W order.
    void xnnpackFlattensSpatialTensors() {
        ZooOptions small;
        small.maxResolution = 96;
        Result<ZooModel> vgg = generateZooModel("vgg", 1, small);
        QVERIFY(vgg.ok());
        const ModelReport report = measureOnXnnpack(vgg.value().bytes);
        QVERIFY2(report.ok, report.error.c_str());
        QVERIFY(std::any_of(report.layers.begin(), report.layers.end(), [](const auto& l) { return l.node == "head_flatten"; }));
    }

    // torchvision's AlexNet pools its 6 x 6 map with a 1 x 1 window (AdaptiveAvgPool2d((6, 6))):
    // XNNPACK's pooling refuses one-pixel windows, the backend copies instead.
    void xnnpackPassesOnePixelPoolsThrough() {
        OnnxBuilder b("pool1");
        std::string x = b.input("input", {1, 8, 6, 6});
        x = b.avgPool(b.maxPool(b.relu(x, "relu"), 1, 1, "max1", 0), 1, 1, "avg1", 0);
        x = b.gemm(b.flatten(x, "flatten"), 10, "fc");
        Result<std::string> bytes = b.finish({x});
        QVERIFY(bytes.ok());
        const ModelReport report = measureOnXnnpack(bytes.value());
        QVERIFY2(report.ok, report.error.c_str());
    }

    // A NAS-Bench-201 cell whose last edge is "none" leaves a node nobody reads: XNNPACK computes
    // it into a buffer of its own instead of aborting the agent (it once asserted in setup).
    void xnnpackRunsNodesNobodyReads() {
        ZooOptions small;
        small.maxResolution = 96;
        std::optional<ZooModel> dead;
        for (uint32_t seed = 1; seed < 200 && !dead; ++seed) {
            Result<ZooModel> z = generateZooModel("nasbench201", seed, small);
            QVERIFY(z.ok());
            if (z.value().description.size() > 5 && z.value().description.compare(z.value().description.size() - 5, 5, ",none") == 0)
                dead = z.value();
        }
        QVERIFY(dead);
        const ModelReport report = measureOnXnnpack(dead->bytes);
        QVERIFY2(report.ok, (dead->description + ": " + report.error).c_str());
    }

    void realExportedNetworksRun() {
        MeasureModelsOptions o;
        o.protocol = quick();
        o.protocol.rounds = 2;
        o.protocol.instances = 1;
        o.agent = testAgent();
        auto reports = measureModels({fixture("real/resnet18.onnx"), fixture("real/mobilenet_v2.onnx"),
                                      fixture("real/mobilenet_v3_small.onnx"), fixture("real/shufflenet_v2_x1_0.onnx")},
                                     *findBuiltinDevice("opencv-t1"), o);
        for (const auto& r : reports) {
            QVERIFY2(r.ok, r.error.c_str());
            QVERIFY(r.stats.medianMs > 0);
            QVERIFY(!r.fusionGroups.empty());
        }
        QVERIFY(reports[0].stats.medianMs > reports[2].stats.medianMs);  // ResNet-18: 32x the MACs of V3-small
    }
};

QTEST_GUILESS_MAIN(TestAgent)
#include "test_agent.moc"
