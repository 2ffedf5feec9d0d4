/* Timer interrupts (privileged spec §10.1.3 sip/sie STIP/STIE; Sstc
 * §"stimecmp"; SBI spec chapter 6 TIME). The deadline is compared with the
 * `time` CSR, which counts at the device tree's timebase-frequency. With
 * Sstc the hart compares stimecmp itself; without it, SBI set_timer asks
 * the firmware to do it. Each tick programs the next deadline one period
 * after the previous one, not after "now", so the rate does not drift. */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/sbi.h"
#include "arch/timer.h"
#include "boot/platform.h"
#include "lib/extable.h"
#include "lib/panic.h"

static bool use_sstc;
static unsigned long period; /* in `time` units */
static unsigned long rate_hz;

/* Every tick deadline each hart programs, as the self-test prints them. */
static struct {
	uint64_t first;
	unsigned long count;
	uint64_t log[TIMER_DEADLINE_LOG];
} deadlines[MAX_HARTS];

static void log_deadline(const struct hart *h)
{
	if (h->index >= MAX_HARTS)
		return;
	if (!deadlines[h->index].count)
		deadlines[h->index].first = h->next_deadline;
	deadlines[h->index].log[deadlines[h->index].count++ % TIMER_DEADLINE_LOG] =
	    h->next_deadline;
}

unsigned long timer_deadline_count(unsigned index)
{
	return index < MAX_HARTS ? deadlines[index].count : 0;
}

uint64_t timer_first_deadline(unsigned index)
{
	return index < MAX_HARTS ? deadlines[index].first : 0;
}

uint64_t timer_deadline(unsigned index, unsigned long i)
{
	return index < MAX_HARTS ? deadlines[index].log[i % TIMER_DEADLINE_LOG] : 0;
}

/* stimecmp exists only if M-mode enabled it (menvcfg.STCE); otherwise the
 * access is an illegal instruction, which the fixup table absorbs. */
static int probe_write_stimecmp(uint64_t v)
{
	int err = PROBE_OK;
	unsigned long addr = 0;
	asm volatile(EXTABLE_INSN("csrw " STR(CSR_STIMECMP) ", %[val]")
	             : [err] "+r"(err)
	             : [val] "r"(v), [addr] "r"(addr)
	             : "memory");
	return err;
}

void timer_init(unsigned long tick_hz, bool has_sstc)
{
	BUG_ON(!platform.timebase_frequency || !tick_hz);
	rate_hz = tick_hz;
	period = platform.timebase_frequency / tick_hz;
	if (!period)
		period = 1;
	use_sstc = has_sstc && probe_write_stimecmp(~0UL) == PROBE_OK;
}

bool timer_uses_sstc(void)
{
	return use_sstc;
}

unsigned long timer_period(void)
{
	return period;
}

unsigned long timer_tick_hz(void)
{
	return rate_hz;
}

static void set_deadline(uint64_t deadline)
{
	/* LAB 2 BEGIN: program the next timer interrupt at `deadline` */
	/* Spec: with Sstc (use_sstc) write stimecmp; without it ask the firmware with
	 * sbi_set_timer(). The grader runs both (-cpu rv64,sstc=false). */
	if (use_sstc)
		csr_write(CSR_STIMECMP, deadline);
	else
		sbi_set_timer(deadline);
	/* LAB 2 END */
}

static uint64_t earliest(const struct hart *h)
{
	return h->event_deadline < h->next_deadline ? h->event_deadline : h->next_deadline;
}

void timer_start(void)
{
	struct hart *h = this_hart();
	h->event_deadline = ~0UL;
	h->next_deadline = time_now() + period;
	log_deadline(h);
	set_deadline(h->next_deadline);
	csr_set(sie, SIE_STIE);
}

void timer_stop(void)
{
	csr_clear(sie, SIE_STIE);
	set_deadline(~0UL);
}

void timer_set_event(uint64_t when)
{
	struct hart *h = this_hart();
	h->event_deadline = when;
	set_deadline(earliest(h));
}

void timer_interrupt(void)
{
	struct hart *h = this_hart();
	uint64_t now = time_now();
	if (now >= h->event_deadline)
		h->event_deadline = ~0UL;
	if (now >= h->next_deadline) {
		h->ticks++;
		h->resched = true;
		/* LAB 2 BEGIN: schedule the next tick one period after the last deadline */
		/* Spec: set h->next_deadline to the first of first + k * period that is still
		 * ahead of `time` (never now + period: the rate would drift); the code after the
		 * region logs it and programs it. The grader checks every deadline a hart programmed
		 * against the first. */
		h->next_deadline += period;
		/* If the hart was held up for longer than a period, skip the ticks
		 * that are already late rather than fire them back to back. */
		if (h->next_deadline <= now)
			h->next_deadline = now + period - (now - h->next_deadline) % period;
		/* LAB 2 END */
		log_deadline(h);
	}
	set_deadline(earliest(h));
}
