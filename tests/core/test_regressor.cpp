// SPDX-License-Identifier: Apache-2.0
// Regressors: our tree walk equals XGBoost's own prediction, save/load gives identical
// predictions, bad model JSON is refused with a message, and both modes learn a smooth cost.
#include <QtTest>

#include <cmath>
#include <random>

#include "predict/regressor.h"

using namespace km;

namespace {

// A convolution-like cost: work (h * w * cin * cout) over a throughput that steps with cin.
double syntheticMs(const std::vector<float>& x) {
    const double work = double(x[0]) * x[0] * x[1] * x[2];
    return 0.002 + work / (x[1] < 64 ? 2e8 : 5e8);
}

FeatureRows sampleRows(int n, uint32_t seed) {
    std::mt19937 rng(seed);
    const int sizes[] = {7, 14, 28, 56, 112};
    const int channels[] = {16, 24, 32, 48, 64, 96, 128, 160, 256};
    FeatureRows rows;
    for (int i = 0; i < n; ++i)
        rows.push_back({float(sizes[rng() % 5]), float(channels[rng() % 9]), float(channels[rng() % 9]), float(rng() % 3)});
    return rows;
}

}  // namespace

class TestRegressor : public QObject {
    Q_OBJECT
private slots:
    void treeWalkEqualsXgboostAndSurvivesSaveLoad_data() {
        QTest::addColumn<int>("kind");
        QTest::newRow("random forest") << int(RegressorKind::RandomForest);
        QTest::newRow("gradient boosted") << int(RegressorKind::GradientBoosted);
    }
    void treeWalkEqualsXgboostAndSurvivesSaveLoad() {
        QFETCH(int, kind);
        const FeatureRows train = sampleRows(600, 1), test = sampleRows(300, 2);
        std::vector<double> y;
        for (const auto& r : train) y.push_back(syntheticMs(r));
        RegressorOptions o = RegressorOptions::forKind(RegressorKind(kind));
        o.trees = 60;
        Result<Regressor> reg = Regressor::train(train, y, o);
        QVERIFY2(reg.ok(), reg.ok() ? "" : reg.error().message.c_str());
        QCOMPARE(reg.value().featureCount(), size_t{4});

        Result<std::vector<double>> theirs = reg.value().predictWithXgboost(test);
        QVERIFY2(theirs.ok(), theirs.ok() ? "" : theirs.error().message.c_str());
        std::vector<double> errors;
        for (size_t i = 0; i < test.size(); ++i) {
            const double ours = reg.value().predictMs(test[i]);
            // XGBoost sums in float; the walk sums in double.
            QVERIFY2(std::fabs(ours - theirs.value()[i]) <= 1e-4 * theirs.value()[i],
                     qPrintable(QString("row %1: ours %2, XGBoost %3").arg(i).arg(ours).arg(theirs.value()[i])));
            errors.push_back(std::fabs(ours / syntheticMs(test[i]) - 1));
        }
        std::sort(errors.begin(), errors.end());
        QVERIFY2(errors[errors.size() / 2] < 0.10, qPrintable(QString("median error %1").arg(errors[errors.size() / 2])));

        // Missing features (NaN, as a kernel type without groups has) follow each node's default
        // direction in both, and a row shorter than the model counts its tail as missing.
        FeatureRows missing = sampleRows(200, 4);
        for (size_t i = 0; i < missing.size(); ++i) missing[i][i % 4] = std::nanf("");
        Result<std::vector<double>> theirsMissing = reg.value().predictWithXgboost(missing);
        QVERIFY2(theirsMissing.ok(), theirsMissing.ok() ? "" : theirsMissing.error().message.c_str());
        for (size_t i = 0; i < missing.size(); ++i)
            QVERIFY2(std::fabs(reg.value().predictMs(missing[i]) - theirsMissing.value()[i]) <= 1e-4 * theirsMissing.value()[i],
                     qPrintable(QString("row %1 with a missing feature").arg(i)));
        const std::vector<float> full{28, 64, 128, std::nanf("")}, shorter{28, 64, 128};
        QCOMPARE(reg.value().predictMs(shorter), reg.value().predictMs(full));

        Result<Regressor> back = Regressor::fromJson(reg.value().toJson());
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QCOMPARE(back.value().kind(), RegressorKind(kind));
        for (const auto& r : test) QCOMPARE(back.value().predictMs(r), reg.value().predictMs(r));
        QCOMPARE(back.value().toJson(), reg.value().toJson());
        // The saved model drops training statistics; XGBoost still loads it and predicts the same.
        QVERIFY(QString::fromStdString(reg.value().toJson()).contains(R"("loss_changes":[0.0,0.0,)"));
        Result<std::vector<double>> reloaded = back.value().predictWithXgboost(test);
        QVERIFY2(reloaded.ok(), reloaded.ok() ? "" : reloaded.error().message.c_str());
        for (size_t i = 0; i < test.size(); ++i) QCOMPARE(reloaded.value()[i], theirs.value()[i]);
    }

    void sameSeedSameModel() {
        const FeatureRows train = sampleRows(200, 3);
        std::vector<double> y;
        for (const auto& r : train) y.push_back(syntheticMs(r));
        RegressorOptions o;
        o.kind = RegressorKind::RandomForest;
        o.trees = 20;
        QCOMPARE(Regressor::train(train, y, o).value().toJson(), Regressor::train(train, y, o).value().toJson());
    }

    void badInputIsRefusedWithAMessage() {
        QVERIFY(!Regressor::train({}, {}, {}).ok());
        QVERIFY(!Regressor::train({{1, 2}, {3}}, {1, 2}, {}).ok());  // ragged rows
        auto negative = Regressor::train({{1}, {2}}, {1, -1}, {});
        QVERIFY(!negative.ok());
        QVERIFY(QString::fromStdString(negative.error().message).contains("positive"));
        QVERIFY(!Regressor::fromJson("{}").ok());
        QVERIFY(!Regressor::fromJson(R"({"schema": "kernelmeter.regressor/1", "kind": "svm"})").ok());
        auto broken = Regressor::fromJson(R"({"schema": "kernelmeter.regressor/1", "kind": "random_forest", "features": 2,
            "xgboost": {"learner": {"learner_model_param": {"base_score": "0.5"}, "gradient_booster": {"name": "gbtree",
            "model": {"trees": [{"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [7, 0, 0],
            "split_conditions": [0.5, 1, 2], "default_left": [0, 0, 0]}]}}}}})");
        QVERIFY(!broken.ok());  // feature 7 of 2
        QVERIFY(QString::fromStdString(broken.error().message).contains("outside"));
    }
};

QTEST_GUILESS_MAIN(TestRegressor)
#include "test_regressor.moc"
