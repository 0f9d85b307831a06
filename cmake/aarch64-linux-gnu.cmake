# SPDX-License-Identifier: Apache-2.0
# Cross-compiling kernelmeter-agent for 64-bit Arm Linux with Debian's cross toolchain
# (g++-aarch64-linux-gnu) against a folder of unpacked arm64 Debian packages, KM_ARM64_SYSROOT
# (scripts/arm64-sysroot.sh makes it; nothing arm64 is installed into the host system).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
if(NOT KM_ARM64_SYSROOT)
  set(KM_ARM64_SYSROOT "$ENV{KM_ARM64_SYSROOT}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KM_ARM64_SYSROOT)  # the compiler checks read this file too
if(NOT KM_ARM64_SYSROOT OR NOT EXISTS "${KM_ARM64_SYSROOT}/usr/include/xnnpack.h")
  message(FATAL_ERROR "KM_ARM64_SYSROOT='${KM_ARM64_SYSROOT}' has no arm64 XNNPACK; run scripts/arm64-sysroot.sh")
endif()
set(CMAKE_FIND_ROOT_PATH "${KM_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # protoc and friends: the host's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The unpacked libraries depend on each other: let the linker find them there.
# Debian 12's zlib1g installs to /lib (not /usr/lib): libprotobuf's libz.so.1 is found only there.
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-Wl,-rpath-link,${KM_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu -Wl,-rpath-link,${KM_ARM64_SYSROOT}/lib/aarch64-linux-gnu -L${KM_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
