"""The usual wrong answers to each lab, as small edits of the reference.

tools/labs_real.py applies each mutation to chapter N's copy of its LAB N
region (the `old` text must occur there exactly once) and proves that the
chapter's tests fail with it: first the stage-N tests, then, when they all
pass, the earlier stages' (a lab-3 mistake may first show in a stage-2
test). A mutation that no test notices is a gap in the grader.

Each entry: the lab, the file inside the chapter, the start of the region's
description, what the wrong answer is, the substitution, and the test that
must catch it (the labs check runs that one first).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    lab: int
    path: str  # inside the chapter, e.g. "hv/arch/timer.c"
    region: str  # the start of the LAB region's description
    why: str  # the wrong answer, in a few words
    old: str
    new: str
    # The test that must catch it (pytest -k): run first, alone, which is
    # quick; the whole stage only if it does not.
    catch: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.why}"


MUTATIONS = [
    # -- lab 1 ---------------------------------------------------------------
    Mutation(1, "hv/boot/dt.c", "decode one (address, size) pair",
             "the size read from the low cell only (RAM above 4 GiB)",
             "*size = read_cells(reg + ac, sc);", "*size = fdt32_to_cpu(reg[ac + sc - 1]);",
             catch="test_memory_and_harts"),
    Mutation(1, "hv/boot/dt.c", "decode one (address, size) pair",
             "the size read one cell too early",
             "*size = read_cells(reg + ac, sc);", "*size = read_cells(reg + ac - 1, sc);",
             catch="test_memory_and_harts"),
    Mutation(1, "hv/boot/dt.c", "find a single-letter extension",
             "multi-letter extensions searched too (zihintpause has an h)",
             "for (; *p && *p != '_'; p++)", "for (; *p; p++)",
             catch="test_missing_h_extension_fails"),
    # -- lab 2 ---------------------------------------------------------------
    Mutation(2, "hv/arch/timer.c", "program the next timer interrupt",
             "stimecmp written even without Sstc", "if (use_sstc)", "if (1)",
             catch="test_timer_ticks_on_schedule"),
    Mutation(2, "hv/arch/timer.c", "schedule the next tick",
             "the next deadline computed from now (drifts)",
             "h->next_deadline += period;", "h->next_deadline = now + period;",
             catch="test_timer_ticks_on_schedule"),
    Mutation(2, "hv/arch/timer.c", "schedule the next tick",
             "two periods a tick", "h->next_deadline += period;",
             "h->next_deadline += 2 * period;",
             catch="test_timer_ticks_on_schedule"),
    Mutation(2, "hv/arch/trap.c", "report the exception and resume",
             "every instruction taken for 4 bytes", "f->sepc += len;", "f->sepc += 4;",
             catch="test_exceptions_reported_and_survived"),
    Mutation(2, "hv/arch/trap.c", "report the exception and resume",
             "the instruction length reported wrong",
             "unsigned len = instruction_length(f->sepc);", "unsigned len = 4;",
             catch="test_exceptions_reported_and_survived"),
    Mutation(2, "hv/arch/trap.S", "save the interrupted context",
             "a7 not saved", "\tsd\tx17, FRAME_REG(17)(sp)\n", "",
             catch="test_trap_frame_preserves_registers"),
    Mutation(2, "hv/arch/trap.S", "restore the (possibly updated) context",
             "a0 not restored", "\tld\tx10, FRAME_REG(10)(sp)\n", "",
             catch="test_trap_frame_preserves_registers"),
    Mutation(2, "hv/arch/trap.S", "restore the (possibly updated) context",
             "sepc not written back (the handler's change lost)",
             "\tld\tt0, FRAME_SEPC(sp)\n\tcsrw\tsepc, t0\n", "",
             catch="test_exceptions_reported_and_survived"),
    # -- lab 3 ---------------------------------------------------------------
    Mutation(3, "hv/mm/frame.c", "build the free map",
             "the device tree left free",
             "stats.fdt = claim((uint64_t)platform.fdt, (uint64_t)platform.fdt + "
             "platform.fdt_size);", "stats.fdt = 0;",
             catch="test_frame_counts"),
    Mutation(3, "hv/mm/frame.c", "build the free map",
             "OpenSBI's reserved memory left free",
             "stats.reserved += claim(", "stats.reserved += 0 * claim(",
             catch="test_frame_counts"),
    Mutation(3, "hv/mm/frame.c", "find `count` free frames",
             "only the first frame of the run taken", "pa = take(i, count);", "pa = take(i, 1);",
             catch="test_frame_counts"),
    Mutation(3, "hv/mm/gstage.c", "allocate the 16 KiB",
             "the root indexed like Sv39's (9 bits)", "gs->pt.root_bits = 11;",
             "gs->pt.root_bits = 9;",
             catch="test_gstage_walk_matches_hardware"),
    Mutation(3, "hv/mm/gstage.c", "G-stage leaf flags",
             "U not set on G-stage leaves", "(perms & (PTE_R | PTE_W | PTE_X)) | PTE_U;",
             "perms & (PTE_R | PTE_W | PTE_X);",
             catch="test_gstage_walk_matches_hardware"),
    Mutation(3, "hv/mm/pagetable.c", "walk from the root",
             "a new table entry with R set (a leaf)", "*pte = PA_TO_PTE(frame) | PTE_V;",
             "*pte = PA_TO_PTE(frame) | PTE_V | PTE_R;",
             catch="test_frame_counts"),
    Mutation(3, "hv/mm/sv39.c", "map the image by section",
             "text mapped writable (no W^X)", "PTE_R | PTE_X, \"text\"",
             "PTE_R | PTE_W | PTE_X, \"text\"",
             catch="test_wx_refused"),
    Mutation(3, "hv/mm/sv39.c", "map the image by section",
             "the test finisher not mapped (a panic cannot report failure)",
             "map_device(&platform.test_finisher);", "(void)0;",
             catch="test_misused_lock_panics"),
    # -- lab 4 ---------------------------------------------------------------
    Mutation(4, "hv/vm/decode.c", "decode loads and stores",
             "c.lw zero-extended", "*a = (struct mem_access){false, true, 4, rd_rs2_prime};",
             "*a = (struct mem_access){false, false, 4, rd_rs2_prime};",
             catch="test_mmio_loads_and_stores_of_every_width"),
    Mutation(4, "hv/vm/mmio.c", "decode the access",
             "every access taken for 4 bytes", "c->sepc += length;", "c->sepc += 4;",
             catch="test_mmio_loads_and_stores_of_every_width"),
    Mutation(4, "hv/vm/mmio.c", "decode the access",
             "loads never sign-extended", "value = a.sign_extend ?", "value = false ?",
             catch="test_mmio_loads_and_stores_of_every_width"),
    Mutation(4, "hv/vm/sbi.c", "find the extension",
             "a0 and a1 swapped",
             "regs[REG_A0] = (unsigned long)ret.error;\n"
             "\t\tregs[REG_A1] = (unsigned long)ret.value;",
             "regs[REG_A0] = (unsigned long)ret.value;\n"
             "\t\tregs[REG_A1] = (unsigned long)ret.error;",
             catch="test_sbi_conformance"),
    Mutation(4, "hv/vm/sched.c", "round-robin",
             "the cursor never moves (the VM after it always wins)", "cursor = slot;", "(void)0;",
             catch="test_spinning_vm_does_not_starve_the_others"),
    Mutation(4, "hv/vm/vcpu.c", "raise an exception in VS-mode",
             "vsepc not set", "csr_write(vsepc, v->ctx.sepc);", "(void)0;",
             catch="test_privileged_csrs_and_instructions_are_illegal_in_the_guest"),
    Mutation(4, "hv/vm/vcpu.c", "raise an exception in VS-mode",
             "the guest's handler entered in VU-mode", "v->ctx.sstatus |= SSTATUS_SPP;",
             "v->ctx.sstatus &= ~SSTATUS_SPP;",
             catch="test_privileged_csrs_and_instructions_are_illegal_in_the_guest"),
    # -- lab 5 ---------------------------------------------------------------
    Mutation(5, "hv/vdev/vplic.c", "the highest-priority pending",
             "among equal priorities the highest id wins",
             "p->priority[src] > best_priority", "p->priority[src] >= best_priority",
             catch="test_vplic_priority_threshold_claim_complete"),
    Mutation(5, "hv/vdev/vplic.c", "the highest-priority pending",
             "the threshold ignored", "best_priority = p->threshold[ctx];", "best_priority = 0;",
             catch="test_vplic_priority_threshold_claim_complete"),
    Mutation(5, "hv/vdev/vplic.c", "claim: hand out",
             "a claimed source stays pending", "p->pending &= ~(1u << src);", "(void)0;",
             catch="test_vplic_priority_threshold_claim_complete"),
    Mutation(5, "hv/vdev/vplic.c", "complete: the gateway",
             "a level still high not asked again", "p->pending |= bit;", "(void)0;",
             catch="test_vplic_priority_threshold_claim_complete"),
    Mutation(5, "hv/vm/vcpu.h", "without Sstc",
             "VSTIP raised on every entry, due or not",
             "!vtimer_uses_sstc && time_now() >= v->timer_deadline", "!vtimer_uses_sstc",
             catch="test_timer_deadlines_from_a_nonce"),
    Mutation(5, "hv/vm/vtimer.c", "a new deadline",
             "VSTIP not lowered by a new deadline", "v->hvip &= ~HVIP_VSTIP;", "(void)0;",
             catch="test_timer_deadlines_from_a_nonce"),
    Mutation(5, "hv/vm/sched.c", "a vCPU in WFI",
             "WFI never waits (spins through slices)", "v->waiting = !vcpu_has_wakeup(v);",
             "v->waiting = false;",
             catch="test_wfi_costs_no_time_slices"),
    # -- lab 6 ---------------------------------------------------------------
    Mutation(6, "hv/dev/virtio.c", "feature negotiation and the FEATURES_OK",
             "the driver's features 32-63 never written (VERSION_1 not accepted)",
             "wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));", "(void)0;",
             catch="test_hypervisor_nic_gets_an_arp_reply"),
    Mutation(6, "hv/vdev/virtq.c", "walk a descriptor chain",
             "a buffer not checked against the guest's RAM",
             "if (guest_check(vm, d.addr, d.len, writable ? PTE_W : PTE_R))", "if (0)",
             catch="test_hostile_chains_stop_only_their_device"),
    Mutation(6, "hv/vdev/virtq.c", "walk a descriptor chain",
             "a readable descriptor after a writable one accepted",
             "if (!writable && c->nwrite)", "if (!writable && c->nwrite && 0)",
             catch="test_hostile_chains_stop_only_their_device"),
    Mutation(6, "hv/vdev/virtq.c", "walk a descriptor chain",
             "the INDIRECT flag ignored", "if (d.flags & VIRTQ_DESC_F_INDIRECT)",
             "if (d.flags & VIRTQ_DESC_F_INDIRECT & 0)",
             catch="test_hostile_chains_stop_only_their_device"),
    Mutation(6, "hv/vdev/virtq.c", "walk a descriptor chain",
             "a next index up to the queue size accepted", "if (d.next >= q->num)",
             "if (d.next > q->num + 8)",
             catch="test_hostile_chains_stop_only_their_device"),
    Mutation(6, "hv/vdev/virtq.c", "walk a descriptor chain",
             "the chain's total length not bounded", "if (total > VIRTQ_CHAIN_BYTES)",
             "if (total > ~0UL)",
             catch="test_hostile_chains_stop_only_their_device"),
    Mutation(6, "hv/vdev/virtio_mmio.c", "the device status",
             "FEATURES_OK kept for features the device did not offer",
             "bool subset = !(d->driver_features & ~d->features);", "bool subset = true;",
             catch="test_vblk_reads_its_slice"),
    Mutation(6, "hv/vdev/virtio_mmio.c", "the device status",
             "FEATURES_OK kept without VERSION_1",
             "bool modern = d->driver_features & FEATURE(VIRTIO_F_VERSION_1);",
             "bool modern = true;",
             catch="test_vblk_reads_its_slice"),
    Mutation(6, "hv/vdev/virtio_mmio.c", "the device status",
             "writing 0 does not reset the device", "device_reset(d);", "(void)0;",
             catch="test_vblk_reads_its_slice"),
    Mutation(6, "hv/vdev/vblk.c", "a block request",
             "the slice's offset not added", "s->host_sector = b->start + h.sector;",
             "s->host_sector = h.sector;",
             catch="test_vblk_reads_its_slice"),
    Mutation(6, "hv/vdev/vblk.c", "a block request",
             "the end of the slice checked with a sum that wraps",
             "h.sector > b->sectors || count > b->sectors - h.sector",
             "h.sector + count > b->sectors",
             catch="test_vblk_reads_its_slice"),
    Mutation(6, "hv/vdev/vblk.c", "a block request",
             "a write to a read-only slice let through", "(!in && b->read_only)",
             "(!in && !b->sectors)",
             catch="test_read_only_disk_refuses_writes"),
    Mutation(6, "hv/vdev/vblk.c", "a block request",
             "a read's data length counts the status byte",
             "in ? c->write_len - 1 : c->read_len", "in ? c->write_len : c->read_len",
             catch="test_vblk_reads_its_slice"),
    Mutation(6, "hv/vdev/vswitch.c", "the switch's forwarding decision",
             "a learned unicast destination flooded like an unknown one",
             "return 1u << port;", "return others;",
             catch="test_vms_exchange_frames_through_the_switch"),
    Mutation(6, "hv/vdev/vswitch.c", "the switch's forwarding decision",
             "broadcasts sent back to their sender too",
             "uint32_t others = sw->attached & ~(1u << src);", "uint32_t others = sw->attached;",
             catch="test_vms_exchange_frames_through_the_switch"),
    # -- lab 7 ---------------------------------------------------------------
    Mutation(7, "uk/lib/net/tcp.c", "SYN-RECEIVED -> ESTABLISHED",
             "any ACK establishes, even one of data never sent",
             "if (SEQ_LT(c->snd_una, s->ack) && SEQ_LEQ(s->ack, c->snd_nxt)) {",
             "if (SEQ_LEQ(c->snd_una, s->ack)) {",
             catch="test_net_stack_host_harness"),
]
