# hvlab: a RISC-V hypervisor and a unikernel, built chapter by chapter.
#
#   make run                 boot the highest chapter (serial on stdio, Ctrl-A x quits):
#                            ch7-unikernel's management VM, a shell that creates and starts
#                            VMs from JSON configs on its disk (ch7-unikernel/Makefile says more)
#   make test                build every chapter and run the whole grader
#   make grade CH=ch1-boot   grade one chapter (its stages 1..N); CH="ch1-boot ch2-trap",
#                            CH=all, or by default the chapters due in grading.conf
#   make format              apply .clang-format to every chapter's C code
#   make format-check        what CI runs: fail on any formatting difference
#   make handout [OUT=dir] [SOLVED=N] [DUE="ch1-boot ..."]
#                            the students' tree (build/handout): every lab stubbed,
#                            or labs 1..N solved once their deadline has passed
#   make gradescope [SOLVED=N] [DUE="..."]  the Gradescope autograder (build/gradescope)
#   make labs-check [LABS_ARGS=...]  prove the labs are real: every handout loses points
#   make diffs               regenerate each chapter's patch against the previous one
#                            (chN-x/from-chM-y.patch) and its README section
#   make bench               instruction counts under qemu -icount (bench/results.json)
#   make fuzz [CH=..] [FUZZ_SECONDS=10]  fuzz the parsers of guest input on the host (fuzz/)
#   make run-linux [CH=ch5-vgic] [NONCE=...]  Debian's riscv64 kernel with an initramfs and
#                            the project's /init (tools/linux/init) as a guest; the files are
#                            fetched from apt's Debian mirror and checked (build/debian/)
#   make flake N=20 [LOAD=2] [CH=...]  the grader N times; every test that ever failed
#   make clean               remove every build output and the grader's logs
#
# Missing Debian packages are installed first (tools/deps.sh).

CHAPTERS := $(sort $(wildcard ch[0-9]-*))
LAST     := $(lastword $(CHAPTERS))

# A python3 that has pytest and libfdt (not always the first on PATH);
# evaluated when a recipe runs, after `deps`.
PYTHON      = $(shell tools/python.sh)
# Parallel grading where pytest-xdist is installed.
XDIST       = $(shell $(PYTHON) -c 'import xdist' >/dev/null 2>&1 && echo "-n auto")
PYTEST_ARGS ?=
GRADER       = cd grader && $(PYTHON) -m pytest $(XDIST) --junitxml=junit.xml $(PYTEST_ARGS)

# The course tools need only the standard library.
PY3 ?= python3
OUT ?= build/handout

# The C sources: git's list in a work tree (untracked ones too, not ignored
# ones); elsewhere (a handout that is not a repository yet, or one inside
# another repository's build/) the file system, without build outputs.
C_SOURCES = $(shell if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$(pwd -P)" ]; then \
	git ls-files -co --exclude-standard -- 'ch*/*.[ch]' 'tools/*.[ch]' 'fuzz/*.[ch]'; else \
	find ch* tools fuzz -name build -prune -o -type f -name '*.[ch]' -print 2>/dev/null | sort; fi)

.PHONY: all deps build run run-linux linux-guest test grade format format-check handout gradescope labs-check diffs bench fuzz flake clean

all: build

deps:
	@tools/deps.sh

build: deps
	@for ch in $(CHAPTERS); do $(MAKE) -s -C $$ch all || exit 1; done

run: deps
	$(MAKE) -C $(LAST) run

test: build
	$(GRADER)

# Debian's kernel and the initramfs (tools/debian_guest.py, tools/mkinitramfs.py).
linux-guest:
	@$(PY3) tools/mkinitramfs.py >/dev/null

# On the last chapter by default (a shell on its console from ch5 on: ch4's UART
# has no interrupt, so only /init's lines appear there).
NONCE ?= 0x1234
run-linux: deps linux-guest
	$(MAKE) -C $(or $(strip $(CH)),$(LAST)) run GUEST="$$($(PY3) tools/debian_guest.py --path vmlinux)" \
		GUEST_INITRD="$(CURDIR)/build/debian/initrd.gz" GUEST_MEM=256M \
		GUEST_ARGS="vm1.console=ttyS0 vm1.earlycon=sbi vm1.hvlab.nonce=$(NONCE) $(GUEST_ARGS)"

# The chapters that count for a course's grade: $HVLAB_DUE, else the
# `due = ch1-boot ch2-trap` line of grading.conf (the grader reads the same).
DUE = $(or $(strip $(HVLAB_DUE)),$(shell sed -n 's/\#.*//; s/^[[:space:]]*due[[:space:]]*=//p' grading.conf 2>/dev/null))

# CH: one chapter, several ("ch1-boot ch2-trap") or all; default the due ones.
# A chapter that does not build is still graded: its tests fail and say why.
grade: deps
	@chapters="$(or $(strip $(CH)),$(strip $(DUE)))"; \
	test -n "$$chapters" || { echo "usage: make grade CH=\"<chapter> ...\" (of: $(CHAPTERS)), or CH=all;"; \
		echo "       without CH, the chapters of grading.conf's due = ... line"; exit 2; }; \
	if [ "$$chapters" = all ]; then chapters="$(CHAPTERS)"; fi; \
	for ch in $$chapters; do test -d "$$ch" || { echo "grade: no chapter $$ch (of: $(CHAPTERS))"; exit 2; }; \
		$(MAKE) -s -C $$ch all || echo "grade: $$ch does not build; its tests fail"; done; \
	$(GRADER) --chapter "$$chapters"

# The grader N times, LOAD busy loops beside it; see tools/flake.sh.
N    ?= 10
LOAD ?= 0
flake: deps
	LOAD="$(LOAD)" CH="$(CH)" PYTEST_ARGS="$(PYTEST_ARGS)" tools/flake.sh $(N)

format:
	@test -n "$(C_SOURCES)" || { echo "format: no C sources found"; exit 1; }
	clang-format -i $(C_SOURCES)

format-check:
	@test -n "$(C_SOURCES)" || { echo "format-check: no C sources found"; exit 1; }
	@clang-format --dry-run -Werror $(C_SOURCES) && echo "format-check: $(words $(C_SOURCES)) files clean"

handout:
	@$(PY3) tools/handout.py --check
	$(PY3) tools/handout.py --out $(OUT) --solved $(or $(SOLVED),0) $(if $(strip $(DUE)),--due "$(DUE)")

# The Gradescope autograder: build/gradescope/autograder.zip (tools/gradescope/).
gradescope:
	@test -e tools/gradescope/bundle.py || { echo "gradescope: an instructors' tool, not in a students' tree"; exit 2; }
	$(PY3) tools/gradescope/bundle.py --solved $(or $(SOLVED),0) $(if $(strip $(DUE)),--due "$(DUE)")

labs-check: deps
	@test -e tools/labs_real.py || { echo "labs-check: an instructors' check, not in a students' tree"; exit 2; }
	$(PYTHON) tools/labs_real.py $(LABS_ARGS)

diffs:
	$(PY3) tools/chapter_diff.py

bench: deps
	$(PYTHON) tools/bench.py

# The chapter is CH (default the highest), each target runs FUZZ_SECONDS.
fuzz: deps
	@$(MAKE) -s -C fuzz $(if $(CH),CH=$(CH))

clean:
	@for ch in $(CHAPTERS); do $(MAKE) -s -C $$ch clean; done
	rm -rf build fuzz/build grader/logs grader/results.json grader/junit.xml
