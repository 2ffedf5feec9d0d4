/* Whether one guest's trap values reach another. Two of these share a hart:
 *   mode=spray nonce=N  executes, over and over, an illegal instruction
 *                       of the custom-0 opcode whose other 25 bits are the
 *                       nonce's low bits, and catches it;
 *   mode=probe          executes hlv.d over and over (an illegal
 *                       instruction in VS-mode) and records every stval
 *                       its handler sees.
 * Both go on for `ms` milliseconds of `time`. The probe's stval must be 0
 * or its own hlv.d, never the sprayer's instruction. */
#include "guest.h"

#define HLV_D_T0_SP 0x6c0142f3u /* hlv.d t0, (sp) */
#define CUSTOM_0    0x0bu
#define MAX_SEEN    8

void guest_main(void)
{
	char mode[8] = "probe";
	bootarg("mode", mode, sizeof(mode));
	bool spray = !strcmp(mode, "spray");
	uint32_t insn = spray ? (uint32_t)bootarg_ulong("nonce", 0) << 7 | CUSTOM_0 : HLV_D_T0_SP;
	uint64_t until = rdtime() + bootarg_ulong("ms", 1000) * (fdt_timebase() / 1000);
	unsigned long seen[MAX_SEEN], times[MAX_SEEN] = {0}, nseen = 0, traps = 0, not_illegal = 0;

	catch_on();
	while (rdtime() < until) {
		unsigned long before = caught.count;
		run_insn(insn);
		if (caught.count == before)
			continue;
		traps++;
		not_illegal += caught.scause != 2;
		unsigned long tval = caught.stval, k;
		for (k = 0; k < nseen && seen[k] != tval; k++)
			;
		if (k == nseen && nseen < MAX_SEEN)
			seen[nseen++] = tval;
		if (k < nseen)
			times[k]++;
	}
	char line[200];
	int n =
	    snprintf(line, sizeof(line), "stvalleak: %s 0x%08x, %lu traps, %lu not illegal:", mode,
	             insn, traps, not_illegal);
	for (unsigned long k = 0; k < nseen; k++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " 0x%lx*%lu", seen[k], times[k]);
	/* grader: test_stage4_hostile.py parses this line */
	printf("%s\n", line);
}
