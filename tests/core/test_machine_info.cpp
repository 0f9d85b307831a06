// SPDX-License-Identifier: Apache-2.0
// What the agent says a device's CPU is, from /proc/cpuinfo texts in the formats of the kernels a
// device can run: an x86 PC, an arm64 board (no "model name" there, only part numbers), a phone
// with two kinds of cores, an arm64 agent under qemu-user (which reads the host's file), and an
// architecture with a name line of its own. The description is what predictors, rule sets and
// measurements record and what `predict` compares, so an empty or borrowed one hides a mismatch.
#include <QtTest>

#include "backends/machine_info.h"

using namespace km;

namespace {

// Two logical cores of an x86 VM, as Linux lists them (tabs before the colons).
const char* const kX86 =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 167\n"
    "model name\t: Intel(R) Xeon(R) Processor\nstepping\t: 1\nflags\t\t: fpu vme sse avx2\n\n"
    "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 167\n"
    "model name\t: Intel(R) Xeon(R) Processor\nstepping\t: 1\nflags\t\t: fpu vme sse avx2\n\n";

// One arm64 core block; the board's lines, where a kernel adds them, come after the last core.
std::string armCore(int index, const char* part, const char* variant, const char* revision) {
    return "processor\t: " + std::to_string(index) +
           "\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
           "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: " +
           variant + "\nCPU part\t: " + part + "\nCPU revision\t: " + revision + "\n\n";
}

}  // namespace

class TestMachineInfo : public QObject {
    Q_OBJECT
private slots:
    void x86NamesTheModelWithItsFamily() {
        const CpuDescription d = describeCpu(kX86, "x86_64", "");
        QCOMPARE(d.cpuModel, std::string("Intel(R) Xeon(R) Processor (family 6, model 167, stepping 1)"));
        QCOMPARE(d.logicalCores, 2);
    }

    void arm64BoardNamesItsCoresAndBoard() {
        std::string text;
        for (int i = 0; i < 4; ++i) text += armCore(i, "0xd08", "0x0", "3");
        const CpuDescription pi = describeCpu(text, "aarch64", "Raspberry Pi 4 Model B Rev 1.4");
        QCOMPARE(pi.cpuModel,
                 std::string("Raspberry Pi 4 Model B Rev 1.4: ARM Cortex-A72 (implementer 0x41, part 0xd08, variant 0x0, revision 3)"));
        QCOMPARE(pi.logicalCores, 4);
        // Without a device tree, the Model line such kernels append names the board.
        const CpuDescription fromLine =
            describeCpu(text + "Revision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n", "aarch64", "");
        QCOMPARE(fromLine.cpuModel, pi.cpuModel);
        // A board whose core is another part is another CPU, even where the board's name is missing.
        std::string a76;
        for (int i = 0; i < 4; ++i) a76 += armCore(i, "0xd0b", "0x4", "1");
        QCOMPARE(describeCpu(a76, "aarch64", "").cpuModel,
                 std::string("ARM Cortex-A76 (implementer 0x41, part 0xd0b, variant 0x4, revision 1)"));
        // A part the table does not list keeps its numbers.
        QCOMPARE(describeCpu(armCore(0, "0xd99", "0x1", "0"), "aarch64", "").cpuModel,
                 std::string("Arm core (implementer 0x41, part 0xd99, variant 0x1, revision 0)"));
    }

    void phoneListsEachKindOfCore() {
        std::string text;
        for (int i = 0; i < 4; ++i) text += armCore(i, "0xd05", "0x1", "0");
        for (int i = 4; i < 8; ++i) text += armCore(i, "0xd0b", "0x1", "0");
        text += "Hardware\t: Qualcomm Technologies, Inc SM8150\n";
        const CpuDescription d = describeCpu(text, "aarch64", "");
        QCOMPARE(d.cpuModel, std::string("Qualcomm Technologies, Inc SM8150: 4 x ARM Cortex-A55 (implementer 0x41, part 0xd05, "
                                         "variant 0x1, revision 0) + 4 x ARM Cortex-A76 (implementer 0x41, part 0xd0b, "
                                         "variant 0x1, revision 0)"));
        QCOMPARE(d.logicalCores, 8);
    }

    void emulatedAgentDoesNotClaimTheHostsCpu() {
        // qemu-aarch64 passes the host's /proc/cpuinfo through while uname says aarch64.
        const CpuDescription d = describeCpu(kX86, "aarch64", "");
        QCOMPARE(d.cpuModel, std::string("aarch64 emulated on Intel(R) Xeon(R) Processor (family 6, model 167, stepping 1)"));
        QVERIFY(d.cpuModel != describeCpu(kX86, "x86_64", "").cpuModel);
        std::string armText;
        for (int i = 0; i < 2; ++i) armText += armCore(i, "0xd0c", "0x3", "1");
        QCOMPARE(describeCpu(armText, "x86_64", "").cpuModel,
                 std::string("x86_64 emulated on ARM Neoverse N1 (implementer 0x41, part 0xd0c, variant 0x3, revision 1)"));
    }

    void otherArchitecturesAndEmptyTexts() {
        const CpuDescription riscv = describeCpu(
            "processor\t: 0\nhart\t\t: 1\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n"
            "uarch\t\t: sifive,u74-mc\n\nprocessor\t: 1\nhart\t\t: 2\n",
            "riscv64", "");
        QCOMPARE(riscv.cpuModel, std::string("sifive,u74-mc"));
        QCOMPARE(riscv.logicalCores, 2);
        // Nothing readable: the architecture, said as such, and no invented core count.
        const CpuDescription none = describeCpu("", "aarch64", "");
        QCOMPARE(none.cpuModel, std::string("aarch64 (its /proc/cpuinfo names no CPU)"));
        QCOMPARE(none.logicalCores, 0);
        QVERIFY(describeCpu("", "", "").cpuModel.empty());
    }

    void thisMachineIsNamed() {
        const MachineInfo here = readMachineInfo();
        QVERIFY(!here.cpuModel.empty());
        QVERIFY(here.logicalCores > 0);
        QVERIFY2(here.cpuModel.find("emulated") == std::string::npos, here.cpuModel.c_str());
    }
};

QTEST_GUILESS_MAIN(TestMachineInfo)
#include "test_machine_info.moc"
