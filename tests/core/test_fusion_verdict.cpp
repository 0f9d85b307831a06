// SPDX-License-Identifier: Apache-2.0
// The statistical fusion verdict on synthetic timing data with seeded noise, where the true answer
// is known: a fused pair saves op2's work and a model's fixed cost, an unfused one saves only the
// fixed cost (which the overhead model accounts for); noise larger than the saving must give
// "inconclusive", never a confident wrong answer. Also the test-case generator's batches.
#include <QtTest>

#include <random>

#include "fusion/test_cases.h"
#include "fusion/verdict.h"
#include "onnx/onnx_loader.h"

using namespace km;

namespace {

struct Timings {
    std::vector<std::vector<double>> overhead, first, second, block;
};

// Two processes x `rounds` rounds. Costs in ms: fixed cost per model `fixed`, op1 work `w1`, op2
// work `w2`; the block does op2 for free when `fused`. Every round of every model gets
// multiplicative noise (relative sd `noise`) and a machine-speed factor shared within the round.
Timings simulate(bool fused, double fixed, double w1, double w2, double noise, int rounds, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> eps(0.0, noise), phase(0.0, 0.05);
    Timings t;
    for (int p = 0; p < 2; ++p) {
        for (auto* v : {&t.overhead, &t.first, &t.second, &t.block}) v->emplace_back();
        for (int r = 0; r < rounds; ++r) {
            const double speed = 1.0 + std::abs(phase(rng));
            auto noisy = [&](double ms) { return ms * speed * (1.0 + eps(rng)); };
            t.overhead.back().push_back(noisy(fixed));
            t.first.back().push_back(noisy(fixed + w1));
            t.second.back().push_back(noisy(fixed + w2));
            t.block.back().push_back(noisy(fixed + w1 + (fused ? 0.0 : w2)));
        }
    }
    return t;
}

FusionVerdict verdictOf(const Timings& t) { return decideVerdict(pairedEvidence(t.overhead, t.first, t.second, t.block)); }

}  // namespace

class TestFusionVerdict : public QObject {
    Q_OBJECT
private slots:
    void exactDataGivesExactEvidence() {
        const Timings t = simulate(true, 0.05, 1.0, 0.2, 0.0, 10, 1);  // machine phases, no noise
        const FusionEvidence e = pairedEvidence({{0.05, 0.05}}, {{1.05, 1.05}}, {{0.25, 0.25}}, {{1.05, 1.05}});
        QCOMPARE(e.rounds, 2);
        QCOMPARE(e.savingMs, 0.25 + 1.05 - 0.05 - 1.05);
        QCOMPARE(e.savingLowMs, e.savingMs);
        QCOMPARE(decideVerdict(e), FusionVerdict::Fused);
        const FusionEvidence apart = pairedEvidence({{0.05, 0.05}}, {{1.05, 1.05}}, {{0.25, 0.25}}, {{1.25, 1.25}});
        QVERIFY(std::abs(apart.savingMs) < 1e-12);
        QCOMPARE(decideVerdict(apart), FusionVerdict::NotFused);
        QCOMPARE(verdictOf(t), FusionVerdict::Fused);
        QCOMPARE(decideVerdict(FusionEvidence{}), FusionVerdict::Inconclusive);  // nothing measured
        // An op that costs nothing beyond the overhead (OpenCV's in-place reshape) cannot show a
        // fusion: a tiny positive saving must not make it "fused".
        const FusionEvidence free = pairedEvidence({{0.014, 0.014}}, {{0.900, 0.900}}, {{0.0145, 0.0145}}, {{0.8995, 0.8995}});
        QCOMPARE(free.savingLowMs > 0, true);
        QCOMPARE(decideVerdict(free), FusionVerdict::Inconclusive);
    }

    void noisyButSeparableCasesAreDecidedRight() {
        // A 1 ms conv and a 0.1 ms activation with 1% noise per round: 40 paired rounds decide it.
        for (unsigned seed = 1; seed <= 20; ++seed) {
            QCOMPARE(verdictOf(simulate(true, 0.03, 1.0, 0.1, 0.01, 20, seed)), FusionVerdict::Fused);
            QCOMPARE(verdictOf(simulate(false, 0.03, 1.0, 0.1, 0.01, 20, seed)), FusionVerdict::NotFused);
        }
    }

    void noiseAboveTheSavingIsInconclusiveNotWrong() {
        // nn-Meter's failure case: a 2.6 us relu next to a 7 ms conv. Its means-only rule gives a
        // random verdict; ours is mostly inconclusive, and confidently wrong only at the rate its 95%
        // interval allows (2.5% per trial on the wrong side: about 2 of 80 expected; 3 points vote).
        int wrong = 0, inconclusive = 0;
        for (unsigned seed = 1; seed <= 40; ++seed) {
            const FusionVerdict f = verdictOf(simulate(true, 0.03, 7.0, 0.0026, 0.03, 20, seed));
            const FusionVerdict n = verdictOf(simulate(false, 0.03, 7.0, 0.0026, 0.03, 20, seed + 100));
            wrong += (f == FusionVerdict::NotFused) + (n == FusionVerdict::Fused);
            inconclusive += (f == FusionVerdict::Inconclusive) + (n == FusionVerdict::Inconclusive);
        }
        qInfo("80 trials: %d confidently wrong, %d inconclusive", wrong, inconclusive);
        QVERIFY2(wrong <= 4, qPrintable(QString::number(wrong)));
        QVERIFY2(inconclusive >= 72, qPrintable(QString::number(inconclusive)));  // of 80
    }

    void medianIntervalAndCombination() {
        QCOMPARE(medianInterval({3, 1, 2}), (std::pair<double, double>{1, 3}));  // n < 6: the extremes
        std::vector<double> v;
        for (int i = 1; i <= 100; ++i) v.push_back(i);
        QCOMPARE(medianInterval(v), (std::pair<double, double>{41, 60}));  // ranks 50 -+ 9.8
        using V = FusionVerdict;
        QCOMPARE(combineVerdicts({V::Fused, V::Fused, V::NotFused}), V::Fused);
        QCOMPARE(combineVerdicts({V::Fused, V::Inconclusive, V::NotFused}), V::Inconclusive);
        QCOMPARE(combineVerdicts({V::Inconclusive, V::NotFused}), V::NotFused);
        QCOMPARE(combineVerdicts({}), V::Inconclusive);
    }

    void testBatchesHoldEveryModelTheirCasesNeed() {
        TestPlan plan{{{"conv", "relu"}, {"conv", "gap"}, {"fc", "relu"}, {"split", "concat"}},
                      {{"conv", "bn", "relu"}},
                      {"conv"},
                      {"hswish", "channelshuffle"},
                      ""};
        auto batches = makeTestBatches(plan, defaultOperatingPoints());
        QVERIFY2(batches.ok(), batches.ok() ? "" : batches.error().message.c_str());
        QCOMPARE(int(batches.value().size()), 4 * 3);  // (conv, fc, split, spellings) x 3 points
        for (const auto& b : batches.value()) {
            QStringList keys;
            for (const auto& m : b.models) {
                QVERIFY2(!keys.contains(QString::fromStdString(m.key)), m.key.c_str());  // no duplicates
                keys << QString::fromStdString(m.key);
                Result<Graph> g = loadOnnxBytes(m.bytes.data(), m.bytes.size(), m.key, "");
                QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
                for (const auto& n : g.value().nodes()) QVERIFY2(n.opType.rfind("other:", 0) != 0, n.opType.c_str());
            }
            for (const auto& c : b.cases)
                for (const auto& k : {c.overheadKey, c.headKey, c.lastKey, c.blockKey})
                    QVERIFY2(keys.contains(QString::fromStdString(k)), k.c_str());
            for (const auto& c : b.spellings)
                for (const auto& k : {c.overheadKey, c.spelledKey}) QVERIFY2(keys.contains(QString::fromStdString(k)), k.c_str());
        }
        const auto& conv56 = batches.value()[0];
        QCOMPARE(conv56.id, std::string("hw56_c24__conv"));
        QCOMPARE(int(conv56.cases.size()), 4);  // two pairs, a chain, a multi-output case
        // op2 alone is fed op1's output shape: after gap, 1x1 spatial.
        QCOMPARE(conv56.cases[1].lastKey, std::string("single__gap__1x24x56x56"));
        QCOMPARE(conv56.cases[1].overheadKey, std::string("overhead__1x24x56x56"));  // at the intermediate shape
        // A chain's head is the pair's block; its last op is measured alone.
        QCOMPARE(conv56.cases[2].kind, CaseKind::Chain);
        QCOMPARE(conv56.cases[2].headKey, std::string("block__conv__bn__1x24x56x56"));
        QCOMPARE(conv56.cases[2].lastKey, std::string("single__relu__1x24x56x56"));
        // The multi-output case: the producer's output has a second reader in head and block.
        QCOMPARE(conv56.cases[3].kind, CaseKind::MultiOutput);
        QCOMPARE(conv56.cases[3].blockKey, std::string("block__shared__conv__relu__1x24x56x56"));
        // fc pairs run on [rows, features] so the activation does measurable work.
        QCOMPARE(batches.value()[1].cases[0].headKey, std::string("single__fc__784x96"));
        const auto& spell = batches.value()[3];
        QCOMPARE(spell.id, std::string("hw56_c24__spellings"));
        QCOMPARE(spell.spellings.at(0).nativeKey, std::string("single__hswish__1x24x56x56"));
        QVERIFY(spell.spellings.at(1).nativeKey.empty());  // no ONNX op for channelshuffle
        QCOMPARE(batches.value()[4].id, std::string("hw28_c96__conv"));
        // The same op alone differs between batches (another seed), so no batch reuses another's.
        auto two = makeTestBatches(TestPlan{{{"conv", "relu"}, {"dwconv", "relu"}}, {}, {}, {}, ""}, {defaultOperatingPoints()[0]});
        QVERIFY(two.ok());
        auto relu = [](const TestBatch& b) {
            for (const auto& m : b.models)
                if (m.key == "single__relu__1x24x56x56") return m.bytes;
            return std::string();
        };
        QVERIFY(!relu(two.value()[0]).empty() && !relu(two.value()[1]).empty());
        QVERIFY(relu(two.value()[0]) != relu(two.value()[1]));
    }

    void everyDefaultCaseBuilds() {
        const auto pairs = defaultPairs();
        QVERIFY(pairs.size() > 400);
        QVERIFY(std::count(pairs.begin(), pairs.end(), std::make_pair(std::string("conv"), std::string("fc"))) == 0);
        auto batches = makeTestBatches(TestPlan{}, {{"hw14_c32", 14, 32}});
        QVERIFY2(batches.ok(), batches.ok() ? "" : batches.error().message.c_str());
        size_t cases = 0, spellings = 0;
        for (const auto& b : batches.value()) {
            cases += b.cases.size();
            spellings += b.spellings.size();
        }
        QCOMPARE(cases, pairs.size() + defaultChains().size() + defaultMultiOutputProducers().size());
        QCOMPARE(spellings, defaultSpellings().size());
    }

    void spellingVerdictFromTiming() {
        // Rounds of two processes: overhead 0.01 ms, native op 0.11 ms (0.1 ms of work).
        auto rounds = [](double ms, int phase = 0) {
            std::vector<std::vector<double>> r(2);
            for (int p = 0; p < 2; ++p)
                for (int i = 0; i < 20; ++i) r[p].push_back(ms + 0.004 * ((i * 7 + p + phase) % 5) - 0.008);
            return r;
        };
        SpellingEvidence e;
        QCOMPARE(spellingTimingVerdict(rounds(0.01), rounds(0.115), rounds(0.11), e), FusionVerdict::Fused);
        QCOMPARE(e.rounds, 40);
        QCOMPARE(spellingTimingVerdict(rounds(0.01), rounds(0.215), rounds(0.11), e), FusionVerdict::NotFused);
        QCOMPARE(spellingTimingVerdict(rounds(0.01), rounds(0.16, 2), rounds(0.11), e), FusionVerdict::Inconclusive);
        QCOMPARE(spellingTimingVerdict(rounds(0.01), rounds(0.02), rounds(0.011), e), FusionVerdict::Inconclusive);  // no work
    }
};

QTEST_GUILESS_MAIN(TestFusionVerdict)
#include "test_fusion_verdict.moc"
