# SPDX-License-Identifier: GPL-2.0-only
#
# mdevkit - mediated-device framework (out-of-tree kernel modules + tools).
#
# On a real machine, as for any out-of-tree module:
#   make                      build the modules against the running kernel
#   make KVER=<release>       ... against /lib/modules/<release>/build
#   make tools                userspace tools (build/tools/)
#   make install              modules_install + depmod, tools, udev rules,
#                             modprobe configuration [DESTDIR=, KVER=]
#   make dkms                 the DKMS source tree in build/dkms/mdevkit-VERSION
#   make deb                  Debian packages mdevkit-dkms, mdevkit-tools in
#                             build/deb (dpkg-buildpackage + lintian)
#                             (docs/install.md)
# The test bed (a QEMU VM running Debian's kernels, see docs/testbed.md):
#   make demo                 the main job: boot the VM and show the system
#   make check                every test: KUnit on UML, in-VM suites on each
#                             bed kernel; ends "N passed, N failed"
#   make vm-run CMD='...' [KVER=6.12|6.1|debug] [EXTRA=dir] [TIMEOUT=s]
#   make vm-shell [KVER=...]  interactive VM
#   make bench [KVER=...]     mdev_core vs mdev.ko, vfio_mdev, the card, the
#                             NIC, in one VM run (tools/vm/bench.sh); tables
#                             and plots in build/bench/report.md
#   make kunit                KUnit suites on UML
#   make fuzz [SECONDS=600] [KVER=debug] [SEED=N] [AVOID=known1,...]
#                             the vfio_mdev/card fuzzer (docs/fuzz.md)
#   make extmod M=<dir> [KVER=...]  build an out-of-tree parent against
#                             mdevkit's headers and symbols
#   make modules KVER=6.12    modules for a bed kernel (in build/6.12/)
#   make clean

# Our variables reach kbuild through the scripts' own command lines only.
MAKEOVERRIDES :=

KVER ?=
VM := tools/vm
CMD ?=
EXTRA ?=
TIMEOUT ?= 600
DESTDIR ?=
PREFIX ?= /usr/local

# What the user typed reaches the scripts as typed: make neither expands it
# ($U, $(...)) nor pastes it into a recipe line (quotes, #, newlines).  Each
# variable becomes a simple one holding its unexpanded text, exported; the
# recipes read it from their environment ("$$CMD").
USER_VARS := KVER CMD EXTRA TIMEOUT M DESTDIR PREFIX SECONDS SEED AVOID
$(foreach v,$(USER_VARS),$(eval override $(v) := $$(value $(v))))
BED_KVER := $(or $(KVER),$(shell tools/vm/kernel.sh list | head -1))
export $(USER_VARS) BED_KVER

all: modules

modules:
	@$(VM)/kbuild.sh "$$KVER" modules >/dev/null

tools:
	@bash -c '. $(VM)/lib.sh && mdk_need_pkgs libudev-dev'
	$(MAKE) -C tools O=$(CURDIR)/build/tools

extmod:
	@test -n "$$M" || { echo "usage: make extmod M=<dir> [KVER=...]" >&2; exit 2; }
	@$(VM)/kbuild.sh "$$KVER" modules >/dev/null
	@$(VM)/kbuild.sh "$$KVER" extmod "$$M"

install: tools
	@$(VM)/install.sh "$$KVER" "$$DESTDIR" "$$PREFIX"

dkms:
	@rm -rf build/dkms
	@v=$$(tools/pkg/dkms-tree.sh build/dkms/tmp) && mv build/dkms/tmp build/dkms/mdevkit-$$v && \
	echo "build/dkms/mdevkit-$$v: cp -a it to /usr/src/, then dkms add -m mdevkit -v $$v; dkms install -m mdevkit -v $$v"

deb:
	@tools/pkg/deb.sh

vm-run:
	@test -n "$$CMD" || { echo "usage: make vm-run CMD='<shell command>' [KVER=..] [EXTRA=dir]" >&2; exit 2; }
	@$(VM)/run.sh -k "$$BED_KVER" -t "$$TIMEOUT" $${EXTRA:+-e "$$EXTRA"} -n vm-run -- "$$CMD"

vm-shell:
	@$(VM)/run.sh -i -k "$$BED_KVER" $${EXTRA:+-e "$$EXTRA"} -n shell

check:
	@$(VM)/check.sh

demo:
	@$(VM)/demo.sh "$$BED_KVER"

bench:
	@$(VM)/bench.sh "$$BED_KVER"

kunit:
	@bash kunit/run.sh

# The VM gets the fuzzing time plus boot, module loads, shutdown and the
# debug kernel's kmemleak scans.
fuzz:
	@s=$${SECONDS:-600}; $(VM)/run.sh -k "$${KVER:-debug}" -t $$((s + 420)) -n fuzz -- \
		"/opt/mdevkit/tests/vfio_mdev_fuzz --seconds $$s$${SEED:+ --seed $$SEED}$${AVOID:+ --avoid $$AVOID}"

clean:
	rm -rf build
	@if [ -d /lib/modules/$(shell uname -r)/build ]; then \
		$(MAKE) -C /lib/modules/$(shell uname -r)/build M=$(CURDIR) clean >/dev/null; fi

.PHONY: all modules tools extmod install dkms deb vm-run vm-shell check demo bench kunit fuzz clean
