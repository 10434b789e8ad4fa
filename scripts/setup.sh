#!/usr/bin/env bash
# Installs every Debian 12 package hopscope needs to build, test and run. Idempotent and
# non-interactive: installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  qt6-base-dev qt6-svg-dev libqcustomplot-dev          # GUI
  libtorch-dev libopenblas0-openmp                     # engine (OpenMP OpenBLAS: the pthread one is slow here)
  libgloo-dev                                          # c10d ProcessGroupGloo headers (distributed.h)
  nlohmann-json3-dev libutf8proc-dev libpcre2-dev libcli11-dev nettle-dev zlib1g-dev
  libzip-dev                                           # pytorch_model.bin archives (zip_archive.h)
  libgtest-dev libgmock-dev libbenchmark-dev           # tests and benchmarks
  clang-14 libclang-rt-14-dev                          # sanitizer build and libFuzzer targets (build-fuzz/)
  xvfb xauth fonts-dejavu-core                         # GUI tests, screenshots, readable text
  poppler-utils                                        # report tests (pdfinfo, pdftotext), report page images
  python3-torch                                        # regenerating test fixtures
  dataset-fashion-mnist                                # real images for the ViT family (idx files)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
