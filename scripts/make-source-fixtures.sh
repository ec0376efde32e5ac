#!/usr/bin/env bash
# Cuts the small kernel-source fixtures (test/fixtures/kernel-source/) out of Debian's real
# linux-source-6.1 tarballs: the handful of files the source tests compile, byte for byte.
#   scripts/make-source-fixtures.sh DIR   (DIR holds linux-source-6.1.170-3.tar.xz and -6.1.192-2.tar.xz,
#   the /usr/src/linux-source-6.1.tar.xz of `apt-get download linux-source-6.1=VERSION`, renamed)
set -euo pipefail
source_dir=${1:?usage: $0 DIR-with-linux-source-tarballs}
out="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/kernel-source"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=(
	Makefile Kbuild init/main.c
	drivers/char/misc.c drivers/char/Makefile
	kernel/kthread.c kernel/Makefile kernel/smpboot.h
	kernel/module/version.c kernel/module/internal.h kernel/module/Makefile
	mm/slab_common.c mm/slab.h mm/internal.h mm/Makefile
	fs/debugfs/inode.c fs/debugfs/internal.h fs/debugfs/Makefile
	drivers/gpu/drm/scheduler/sched_main.c drivers/gpu/drm/scheduler/gpu_scheduler_trace.h drivers/gpu/drm/scheduler/Makefile
)
for version in 6.1.170-3 6.1.192-2; do
	tar -xJf "$source_dir/linux-source-$version.tar.xz" -C "$work" "${files[@]/#/linux-source-6.1/}"
	# Sorted names, fixed owner and times: the fixture is the same bytes every time it is made.
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf "$work/cut.tar" linux-source-6.1
	# Small blocks, so that reading one file decodes a block, not the whole stream (xz -T does this at 24 MiB).
	xz -9e --block-size=65536 -T1 -c "$work/cut.tar" > "$out/linux-source-$version.tar.xz"
	rm -rf "$work/linux-source-6.1" "$work/cut.tar"
done
ls -l "$out"
