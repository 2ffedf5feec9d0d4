/* Integer loads and stores, in their 32-bit forms (unprivileged spec §2.6,
 * RV64 §4.3) and their compressed forms (§16.3 "Load and Store
 * Instructions": c.lw c.ld c.sw c.sd with x8..x15, c.lwsp c.ldsp c.swsp
 * c.sdsp with any register and sp as the base). Only the data register and
 * the width matter here: the address is already known from the fault. */
#include "vm/decode.h"

static inline bool load32(uint32_t insn, struct mem_access *a)
{
	/* funct3: 0 lb, 1 lh, 2 lw, 3 ld, 4 lbu, 5 lhu, 6 lwu */
	static const unsigned widths[8] = {1, 2, 4, 8, 1, 2, 4, 0};
	unsigned f3 = (insn >> 12) & 7;
	if (!widths[f3])
		return false;
	a->store = false;
	a->width = widths[f3];
	a->sign_extend = f3 < 3;
	a->reg = (insn >> 7) & 31;
	return true;
}

static inline bool store32(uint32_t insn, struct mem_access *a)
{
	unsigned f3 = (insn >> 12) & 7;
	if (f3 > 3)
		return false;
	a->store = true;
	a->width = 1u << f3;
	a->sign_extend = false;
	a->reg = (insn >> 20) & 31;
	return true;
}

bool decode_mem_access(uint32_t insn, struct mem_access *a)
{
	/* LAB 4 BEGIN: decode loads and stores, compressed forms included */
	if ((insn & 3) == 3) {
		switch (insn & 0x7f) {
		case 0x03:
			return load32(insn, a);
		case 0x23:
			return store32(insn, a);
		default:
			return false;
		}
	}
	uint16_t c = (uint16_t)insn;
	unsigned quadrant = c & 3, f3 = c >> 13;
	unsigned rd_rs2_prime = 8 + ((c >> 2) & 7); /* quadrant 0: bits 4:2 */
	unsigned rd = (c >> 7) & 31, rs2 = (c >> 2) & 31;
	a->sign_extend = false;
	if (quadrant == 0) {
		switch (f3) {
		case 2: /* c.lw */
			*a = (struct mem_access){false, true, 4, rd_rs2_prime};
			return true;
		case 3: /* c.ld */
			*a = (struct mem_access){false, false, 8, rd_rs2_prime};
			return true;
		case 6: /* c.sw */
			*a = (struct mem_access){true, false, 4, rd_rs2_prime};
			return true;
		case 7: /* c.sd */
			*a = (struct mem_access){true, false, 8, rd_rs2_prime};
			return true;
		}
	} else if (quadrant == 2) {
		switch (f3) {
		case 2: /* c.lwsp; rd = 0 is reserved */
			*a = (struct mem_access){false, true, 4, rd};
			return rd != 0;
		case 3: /* c.ldsp; rd = 0 is reserved */
			*a = (struct mem_access){false, false, 8, rd};
			return rd != 0;
		case 6: /* c.swsp */
			*a = (struct mem_access){true, false, 4, rs2};
			return true;
		case 7: /* c.sdsp */
			*a = (struct mem_access){true, false, 8, rs2};
			return true;
		}
	}
	return false;
	/* LAB 4 END */
}
